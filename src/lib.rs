//! dockopt: rewrites Dockerfiles so that their images are smaller, rebuild faster and run safer.
//!
//! ```
//! let out = dockopt::optimize("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n",
//!     &dockopt::Settings::default()).unwrap();
//! assert!(out.output.contains("rm -rf /var/lib/apt/lists/*"));
//! ```

pub mod config;
pub mod diff;
pub mod facts;
pub mod fix;
pub mod layers;
pub mod measure;
pub mod passes;
pub mod pipeline;
pub mod pragmas;
pub mod settings;
pub mod shell;
pub mod syntax;

pub use fix::{Applicability, Edit, Fix};
pub use pipeline::{Applied, Outcome, Suggestion, optimize};
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
pub mod cli;
