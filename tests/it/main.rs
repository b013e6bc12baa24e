//! One integration test binary: pass fixtures, conformance with BuildKit's parser cases,
//! the CLI (the real binary), the language server (over stdio), and the corpus.

mod cli;
mod conformance;
mod corpus;
mod image;
mod passes;
mod pragmas;
mod server;
mod support;
