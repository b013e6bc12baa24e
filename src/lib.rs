//! dockopt: rewrites Dockerfiles so that their images are smaller, rebuild faster and run safer.
//!
//! ```
//! let out = dockopt::optimize("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n",
//!     &dockopt::Settings::default()).unwrap();
//! assert!(out.output.contains("rm -rf /var/lib/apt/lists/*"));
//! ```
//!
//! The public surface: [`optimize`] / [`optimize_in`] (text, [`Settings`], a [`BuildContext`]
//! → [`Outcome`]), the [`passes`] and their registry, and the [`facts`] the passes read. The
//! command line and `dockopt measure` (processes, signals, container engines) live in the
//! binary, outside the library.
//!
//! A build context in memory, for a tool that has no folder:
//! ```
//! use dockopt::{BuildContext, Settings, optimize_in};
//! let context = BuildContext::Memory([("uploads/a.png".to_string(), String::new())].into());
//! let settings = Settings { unsafe_fixes: true, ..Settings::default() };
//! let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n";
//! let out = optimize_in(text, &settings, &context).unwrap();
//! // The context shows state in the app's folder, so the app's files become the user's.
//! assert!(out.output.contains("COPY --chown=10001:10001 . ."));
//! ```

pub mod config;
pub mod diff;
pub mod facts;
pub mod fix;
pub mod layers;
pub mod passes;
pub mod pipeline;
pub mod pragmas;
pub mod settings;
pub mod shell;
pub mod syntax;

pub use facts::BuildContext;
pub use fix::{Applicability, Edit, Fix};
pub use pipeline::{Applied, Outcome, Suggestion, optimize, optimize_in};
pub use settings::Settings;
pub use syntax::{Document, SyntaxError};

/// Why a file was not rewritten.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Syntax(#[from] SyntaxError),
    #[error(
        "internal error: the rewrite by {passes} does not parse ({error}); file left unchanged"
    )]
    Reparse { passes: String, error: SyntaxError },
    #[error(
        "internal error: the rewrite by {passes} leaves a RUN whose shell script does not parse; file left unchanged"
    )]
    ShellReparse { passes: String },
    #[error(
        "internal error: the rewrite by {passes} leaves an option where a RUN's command should be (`&& --mount=…`); file left unchanged"
    )]
    MisplacedOption { passes: String },
}
