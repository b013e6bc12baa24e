//! `dockopt server`: a language server over standard input and output (LSP, through the
//! `lsp-server` and `lsp-types` crates of rust-analyzer).
//!
//! - Diagnostics on open and on change (a burst of changes is analysed once, after a quiet
//!   [`DEBOUNCE`]): each fix `dockopt optimize` would apply and each suggestion, with the pass's
//!   code, a link to its documentation and its severity (see `analysis`).
//! - Code actions: a quick fix per pass, `source.fixAll.dockopt` (what `dockopt optimize`
//!   writes), `source.fixAllUnsafe.dockopt`.
//! - Hover: the documentation of the passes flagged there (`dockopt explain`).
//!
//! The settings are the command line's: the document's `.dockopt.yaml`, found as `optimize`
//! finds it, under the editor's `unsafeFixes` and `cacheMounts` (which act as the flags
//! `--unsafe-fixes` and `--cache-mounts`); the build context is the document's folder. Nothing
//! is written to disk.

mod actions;
mod analysis;
mod text;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, HoverParams, HoverProviderCapability, InitializeParams,
    PositionEncodingKind, PublishDiagnosticsParams, ResourceOperationKind, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, Uri,
};

use analysis::{Analysis, DocsLink};
use text::Encoding;

/// How long a document must stay unchanged before it is analysed again: typing makes a change
/// per key, and only the last one counts.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// [`DEBOUNCE`], or `DOCKOPT_SERVER_DEBOUNCE_MS` when set (a test on a loaded machine makes a
/// burst it can be sure the server sees as one).
fn debounce() -> Duration {
    static CHOSEN: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *CHOSEN.get_or_init(|| {
        std::env::var("DOCKOPT_SERVER_DEBOUNCE_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DEBOUNCE, Duration::from_millis)
    })
}

/// Stack of the thread that analyses (as the CLI's workers: deep nesting in a RUN script).
const STACK: usize = 64 * 1024 * 1024;

/// The editor's settings (`initializationOptions`, or `workspace/didChangeConfiguration`,
/// either bare or under a `dockopt` key).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ClientSettings {
    /// As `--unsafe-fixes`: unsafe fixes count as pending fixes and go into "fix all".
    unsafe_fixes: bool,
    /// As `--cache-mounts`.
    cache_mounts: bool,
    /// The documentation link of a diagnostic; `{code}` (`do001`) and `{name}` are filled in.
    docs_url: Option<String>,
}

impl ClientSettings {
    /// Reads them from a JSON value; `None` when the value holds none.
    fn from_json(value: &serde_json::Value) -> Option<ClientSettings> {
        let value = value.get("dockopt").unwrap_or(value);
        if !value.is_object() {
            return None;
        }
        match serde_json::from_value(value.clone()) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("dockopt server: settings not understood ({e}); defaults used");
                Some(ClientSettings::default())
            }
        }
    }

    /// The command line these settings stand for, so that the CLI's own code resolves them
    /// with the config file.
    fn rewrite_args(&self) -> crate::cli::RewriteArgs {
        crate::cli::RewriteArgs {
            unsafe_fixes: self.unsafe_fixes,
            cache_mounts: self.cache_mounts,
            select: Vec::new(),
            ignore: Vec::new(),
            ignore_pragmas: false,
            include_generated: false,
            prefer_alpine: false,
            no_syntax_directive: false,
            user_name: None,
            user_uid: None,
            config: None,
            isolated: false,
        }
    }

    fn docs(&self) -> DocsLink {
        self.docs_url
            .clone()
            .map_or_else(DocsLink::default, |template| DocsLink { template })
    }
}

struct Document {
    version: i32,
    text: String,
    /// The analysis of this version, once made.
    analysis: Option<Analysis>,
}

struct Server {
    connection: Connection,
    encoding: Encoding,
    can_create_files: bool,
    client: ClientSettings,
    documents: HashMap<Uri, Document>,
    /// Documents to analyse, each when its changes have stopped.
    due: HashMap<Uri, Instant>,
    shutdown: bool,
}

/// Runs the server until the editor says `exit`; the exit code (0 after a `shutdown`, as the
/// protocol asks, 1 otherwise).
pub fn main() -> i32 {
    let thread = std::thread::Builder::new()
        .name("dockopt-server".to_string())
        .stack_size(STACK)
        .spawn(serve);
    match thread.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("dockopt server: stopped by an internal error");
            2
        }
    }
}

fn serve() -> i32 {
    let (connection, writer) = stdio();
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(e) => {
            eprintln!("dockopt server: {e}");
            return 1;
        }
    };
    let init: InitializeParams = serde_json::from_value(params).unwrap_or_else(|e| {
        eprintln!("dockopt server: initialize parameters not understood ({e})");
        InitializeParams::default()
    });
    let utf8 = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
    let encoding = if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    };
    let can_create_files = init
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.workspace_edit.as_ref())
        .is_some_and(|e| {
            e.document_changes == Some(true)
                && e.resource_operations
                    .as_ref()
                    .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create))
        });
    let client = init
        .initialization_options
        .as_ref()
        .and_then(ClientSettings::from_json)
        .unwrap_or_default();
    let capabilities = ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL),
                CodeActionKind::new(actions::FIX_ALL_UNSAFE),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "dockopt".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    if let Err(e) = connection.initialize_finish(id, result) {
        eprintln!("dockopt server: {e}");
        return 1;
    }
    eprintln!(
        "dockopt server {}: ready (positions in {})",
        env!("CARGO_PKG_VERSION"),
        if utf8 { "UTF-8" } else { "UTF-16" }
    );
    let mut server = Server {
        connection,
        encoding,
        can_create_files,
        client,
        documents: HashMap::new(),
        due: HashMap::new(),
        shutdown: false,
    };
    let code = server.run();
    // The writer ends once the server's sender is gone and all it sent is written.
    drop(server);
    let _ = writer.join();
    code
}

/// The server's end of a connection over stdin and stdout. lsp-server's own stdio transport
/// stops reading at the first message that is not JSON-RPC; this one logs it and reads on, so
/// that bad input from the editor costs that message only. `Connection::memory` gives two
/// connected ends: the server takes one, the reader and writer threads drive the other.
fn stdio() -> (Connection, std::thread::JoinHandle<()>) {
    let (server_end, io_end) = Connection::memory();
    let Connection { sender, receiver } = io_end;
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            match Message::read(&mut stdin) {
                Ok(Some(message)) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if sender.send(message).is_err() || exit {
                        break;
                    }
                }
                // The editor closed its end: the server's loop sees the channel close.
                Ok(None) => break,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    eprintln!("dockopt server: message skipped: {e}");
                }
                Err(e) => {
                    eprintln!("dockopt server: cannot read from the editor: {e}");
                    break;
                }
            }
        }
    });
    let writer = std::thread::spawn(move || {
        let mut stdout = std::io::stdout().lock();
        for message in receiver {
            if let Err(e) = message.write(&mut stdout) {
                eprintln!("dockopt server: cannot write to the editor: {e}");
                break;
            }
        }
    });
    (server_end, writer)
}

impl Server {
    fn run(&mut self) -> i32 {
        let receiver = self.connection.receiver.clone();
        loop {
            let next = self.due.values().min().copied();
            let message = match next {
                None => match receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return 1,
                },
                Some(deadline) => match receiver.recv_deadline(deadline) {
                    Ok(m) => m,
                    Err(e) if e.is_timeout() => {
                        self.analyse_due();
                        continue;
                    }
                    Err(_) => return 1,
                },
            };
            match message {
                Message::Notification(n) if n.method == "exit" => {
                    return if self.shutdown { 0 } else { 1 };
                }
                Message::Request(request) => {
                    let id = request.id.clone();
                    let method = request.method.clone();
                    // A last resort: a panic while answering costs that answer, not the server.
                    let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.request(request)
                    }))
                    .unwrap_or_else(|_| {
                        eprintln!("dockopt server: internal error (panic) answering {method}");
                        error(
                            id,
                            ErrorCode::InternalError,
                            format!("internal error in {method}"),
                        )
                    });
                    self.send(response.into());
                }
                Message::Notification(n) => {
                    let method = n.method.clone();
                    let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.notification(n)
                    }));
                    if handled.is_err() {
                        eprintln!("dockopt server: internal error (panic) handling {method}");
                    }
                }
                Message::Response(_) => {}
            }
            // A steady stream of requests must not hold back a document that is due.
            if self.due.values().any(|at| *at <= Instant::now()) {
                self.analyse_due();
            }
        }
    }

    fn send(&self, message: Message) {
        // The editor gone, the next read ends the loop.
        let _ = self.connection.sender.send(message);
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        if self.shutdown {
            return error(
                id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".to_string(),
            );
        }
        // A fault point for the test of the last resort below: a panic while answering.
        if std::env::var("DOCKOPT_SERVER_TEST_PANIC").is_ok_and(|m| m == request.method) {
            panic!("DOCKOPT_SERVER_TEST_PANIC: {}", request.method);
        }
        match request.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Response::new_ok(id, ())
            }
            "textDocument/codeAction" => match params::<CodeActionParams>(&request) {
                Ok(p) => {
                    let actions = self.code_actions(&p);
                    Response::new_ok(id, actions)
                }
                Err(e) => e,
            },
            "textDocument/hover" => match params::<HoverParams>(&request) {
                Ok(p) => {
                    let uri = &p.text_document_position_params.text_document.uri;
                    let position = p.text_document_position_params.position;
                    let hover = self
                        .analysis(uri)
                        .and_then(|(_, a)| actions::hover(a, position));
                    Response::new_ok(id, hover)
                }
                Err(e) => e,
            },
            other => error(
                id,
                ErrorCode::MethodNotFound,
                format!("dockopt server does not answer {other}"),
            ),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = n.extract::<DidOpenTextDocumentParams>("textDocument/didOpen") else {
                    return eprintln!("dockopt server: didOpen parameters not understood");
                };
                let doc = p.text_document;
                self.documents.insert(
                    doc.uri.clone(),
                    Document {
                        version: doc.version,
                        text: doc.text,
                        analysis: None,
                    },
                );
                self.due.insert(doc.uri, Instant::now());
            }
            "textDocument/didChange" => {
                let Ok(p) = n.extract::<DidChangeTextDocumentParams>("textDocument/didChange")
                else {
                    return eprintln!("dockopt server: didChange parameters not understood");
                };
                let encoding = self.encoding;
                let Some(doc) = self.documents.get_mut(&p.text_document.uri) else {
                    return;
                };
                for change in p.content_changes {
                    match change.range {
                        // Full sync is what the server asks for; a range is taken all the same.
                        Some(range) => {
                            let lines = text::Lines::new(&doc.text, encoding);
                            let (start, end) = (lines.offset(range.start), lines.offset(range.end));
                            doc.text.replace_range(start..end.max(start), &change.text);
                        }
                        None => doc.text = change.text,
                    }
                }
                doc.version = p.text_document.version;
                doc.analysis = None;
                self.due
                    .insert(p.text_document.uri, Instant::now() + debounce());
            }
            "textDocument/didClose" => {
                let Ok(p) = n.extract::<DidCloseTextDocumentParams>("textDocument/didClose") else {
                    return;
                };
                let uri = p.text_document.uri;
                self.documents.remove(&uri);
                self.due.remove(&uri);
                self.publish(uri, Vec::new(), None);
            }
            "workspace/didChangeConfiguration" => {
                let Ok(p) =
                    n.extract::<DidChangeConfigurationParams>("workspace/didChangeConfiguration")
                else {
                    return;
                };
                if let Some(client) = ClientSettings::from_json(&p.settings) {
                    self.client = client;
                    let now = Instant::now();
                    for (uri, doc) in &mut self.documents {
                        doc.analysis = None;
                        self.due.insert(uri.clone(), now);
                    }
                }
            }
            // initialized, didSave, $/cancelRequest, $/setTrace…: nothing to do.
            _ => {}
        }
    }

    /// Analyses the documents whose changes have settled and publishes their diagnostics; a
    /// panic (the analysis catches its own: this is the last resort) costs those diagnostics.
    fn analyse_due(&mut self) {
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.analyse_due_unguarded()
        }));
        if done.is_err() {
            eprintln!("dockopt server: internal error (panic) while analysing");
        }
    }

    fn analyse_due_unguarded(&mut self) {
        let now = Instant::now();
        let ready: Vec<Uri> = self
            .due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in ready {
            let _ = self.analysis(&uri);
        }
    }

    /// The document's current analysis, made (and its diagnostics published) if it is not yet.
    fn analysis(&mut self, uri: &Uri) -> Option<(&str, &mut Analysis)> {
        self.due.remove(uri);
        let doc = self.documents.get_mut(uri)?;
        if doc
            .analysis
            .as_ref()
            .is_none_or(|a| a.version != doc.version)
        {
            let started = Instant::now();
            let settings = settings_for(uri, &self.client);
            let made = Analysis::new(
                doc.version,
                &doc.text,
                settings,
                &self.client.docs(),
                self.encoding,
            );
            if std::env::var_os("DOCKOPT_SERVER_TIMING").is_some() {
                eprintln!(
                    "dockopt server: analysed {} ({} lines) in {:.1} ms",
                    uri.as_str(),
                    doc.text.lines().count(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            let diagnostics = made.diagnostics.clone();
            let version = doc.version;
            doc.analysis = Some(made);
            self.publish(uri.clone(), diagnostics, Some(version));
        }
        let doc = self.documents.get_mut(uri)?;
        Some((doc.text.as_str(), doc.analysis.as_mut()?))
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            params,
        )));
    }

    fn code_actions(&mut self, p: &CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = &p.text_document.uri;
        let (encoding, can_create_files) = (self.encoding, self.can_create_files);
        let Some((text, analysis)) = self.analysis(uri) else {
            return Vec::new();
        };
        let request = actions::Request {
            uri,
            text,
            range: p.range,
            only: p.context.only.as_deref(),
            encoding,
            can_create_files,
        };
        actions::code_actions(analysis, &request)
    }
}

/// The settings `dockopt optimize` would use for this document: for a file, its config file
/// and its folder as the build context (as `--stdin-filename PATH`); for an unsaved buffer,
/// those of `dockopt optimize -` (the config found from the current folder, no context).
fn settings_for(uri: &Uri, client: &ClientSettings) -> Result<dockopt::Settings, String> {
    let args = client.rewrite_args();
    match analysis::file_path(uri) {
        Some(path) => {
            let folder = crate::cli::folder_of(&path);
            crate::cli::settings_for_file(&args, &path, Some(folder))
        }
        None => crate::cli::settings_for_file(&args, Path::new("Dockerfile"), None),
    }
}

fn params<P: serde::de::DeserializeOwned>(request: &Request) -> Result<P, Response> {
    serde_json::from_value(request.params.clone()).map_err(|e| {
        error(
            request.id.clone(),
            ErrorCode::InvalidParams,
            format!("{}: parameters not understood: {e}", request.method),
        )
    })
}

fn error(id: RequestId, code: ErrorCode, message: String) -> Response {
    Response::new_err(id, code as i32, message)
}
