//! `dockopt server`, driven over stdio as an editor drives it: the real binary, messages framed
//! with Content-Length headers, every wait bounded so that a hung server fails the test.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::repo;
use dockopt::{Document, Settings, optimize};

/// Longer than any answer takes on a loaded CI machine; short enough to fail a hang.
const WAIT: Duration = Duration::from_secs(60);

/// A server process and the messages it sent that no one has taken yet.
struct Lsp {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    /// Notifications and responses read while waiting for something else.
    unread: VecDeque<Value>,
    next_id: i64,
    /// What the server logs (its stderr, read to the end), shown when a test fails.
    log: Option<std::thread::JoinHandle<String>>,
}

impl Lsp {
    fn start() -> Lsp {
        Lsp::start_with(&[])
    }

    fn start_with(env: &[(&str, &str)]) -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
            .arg("server")
            .envs(env.iter().copied())
            .current_dir(repo())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dockopt server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let log = Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        }));
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Lsp {
            child,
            stdin,
            incoming,
            unread: VecDeque::new(),
            next_id: 1,
            log,
        }
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Several messages in one write, as an editor sends a burst of keystrokes.
    fn send_all(&mut self, messages: &[Value]) {
        let mut frames = Vec::new();
        for m in messages {
            let body = serde_json::to_string(m).unwrap();
            write!(frames, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        }
        self.stdin.write_all(&frames).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that `wanted` accepts (earlier unread ones first), within [`WAIT`].
    fn take(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(k) = self.unread.iter().position(&wanted) {
            return self.unread.remove(k).unwrap();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) => self.unread.push_back(m),
                Err(_) => panic!("no {what} from the server within {WAIT:?}"),
            }
        }
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.take(&format!("answer to {method}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.take(&format!("diagnostics for version {version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// What the server wrote to stderr; once the process has ended.
    fn log(&mut self) -> String {
        self.log
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default()
    }

    /// Waits for the process to end; its exit code.
    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("dockopt server's log:\n{}", self.log());
        }
    }
}

/// One message: `Content-Length` header(s), a blank line, the JSON body.
fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for b in path.to_str().expect("a UTF-8 path").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// Applies LSP text edits (UTF-16 positions, each on the original text) as an editor does.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let (line, character) = (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        );
        let mut at = 0;
        for _ in 0..line {
            at += text[at..].find('\n').map_or(text.len() - at, |k| k + 1);
        }
        let mut units = 0;
        for (k, c) in text[at..].char_indices() {
            if units >= character as usize || c == '\n' {
                return at + k;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| (s.0, s.1));
    let mut out = String::new();
    let mut at = 0;
    for (start, end, new_text) in spans {
        assert!(start >= at, "overlapping edits: {edits:?}");
        out.push_str(&text[at..start]);
        out.push_str(new_text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// The edits of a code action on `uri`.
fn edits_of<'a>(action: &'a Value, uri: &str) -> &'a [Value] {
    action["edit"]["changes"][uri]
        .as_array()
        .unwrap_or_else(|| panic!("no edits for {uri} in {action}"))
}

fn dockopt_stdout(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// (code, 1-based first line) of each diagnostic, sorted.
fn codes_and_lines(diagnostics: &[Value]) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn server_session_on_the_classic_exercise() {
    let path = repo().join("examples/classic/Dockerfile");
    let path = path.canonicalize().unwrap();
    let folder = path.parent().unwrap().to_path_buf();
    let uri = file_uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    // The server resolves settings as the CLI does; with no config file above the example,
    // they are the defaults with the example's folder as the build context.
    assert!(dockopt::config::Config::discover(&folder).is_none());
    let settings = Settings {
        context: Some(folder.clone()),
        file_name: Some("Dockerfile".to_string()),
        ..Settings::default()
    };
    let expected = optimize(&text, &settings).unwrap();

    // A pause long enough that the burst of changes below reaches the server as one, however
    // loaded the machine.
    let mut lsp = Lsp::start_with(&[("DOCKOPT_SERVER_DEBOUNCE_MS", "1500")]);
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16", "{init}");
    assert_eq!(caps["hoverProvider"], true);
    assert!(
        caps["codeActionProvider"]["codeActionKinds"]
            .as_array()
            .unwrap()
            .contains(&json!("source.fixAll.dockopt"))
    );
    lsp.notify("initialized", json!({}));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
    );

    // Diagnostics: one per fix and suggestion the library reports, on its line.
    let diagnostics = lsp.diagnostics(&uri, 1);
    let mut want: Vec<(String, u64)> = expected
        .applied
        .iter()
        .map(|a| (a.code.to_string(), a.line as u64))
        .chain(
            expected
                .suggestions
                .iter()
                .map(|s| (s.code.to_string(), s.line as u64)),
        )
        .collect();
    want.sort();
    assert_eq!(codes_and_lines(&diagnostics), want);
    for a in &expected.applied {
        assert!(
            diagnostics.iter().any(|d| d["code"] == a.code
                && d["message"].as_str().unwrap().contains(&a.message)
                && d["severity"] == 2),
            "no warning for {a:?} in {diagnostics:#?}"
        );
    }
    let has = |code: &str, line: u64, severity: u64| {
        diagnostics.iter().any(|d| {
            d["code"] == code
                && d["range"]["start"]["line"] == line - 1
                && d["severity"] == severity
                && d["source"] == "dockopt"
                && d["codeDescription"]["href"]
                    .as_str()
                    .is_some_and(|h| h.ends_with(&format!("#{}", code.to_ascii_lowercase())))
        })
    };
    // What the classic exercise is known for: the RUNs merged, pip's cache, the source copied
    // first, shell-form CMD (safe fixes: warnings); --no-install-recommends (unsafe: information).
    assert!(has("DO001", 3, 2), "{diagnostics:#?}");
    assert!(has("DO013", 12, 2), "{diagnostics:#?}");
    assert!(has("DO031", 9, 2), "{diagnostics:#?}");
    assert!(has("DO020", 18, 2), "{diagnostics:#?}");
    assert!(has("DO011", 3, 3), "{diagnostics:#?}");
    // The range is the instruction: the CMD line, from its keyword to its end.
    let cmd = diagnostics.iter().find(|d| d["code"] == "DO020").unwrap();
    assert_eq!(
        cmd["range"],
        json!({"start": {"line": 17, "character": 0}, "end": {"line": 17, "character": 18}})
    );

    // Code actions over the whole file: a quick fix per pass and "fix all safe".
    let everything =
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 18, "character": 0}});
    let answer = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": everything, "context": {"diagnostics": []}}),
    );
    let actions = answer["result"].as_array().unwrap().clone();
    let titled = |title: &str| actions.iter().find(|a| a["title"] == title).cloned();
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.dockopt")
        .unwrap_or_else(|| panic!("no fix all in {actions:#?}"));
    assert_eq!(fix_all["title"], "dockopt: fix all safe");
    let fixed = apply_edits(&text, edits_of(fix_all, &uri));
    let printed = dockopt_stdout(
        &[
            "optimize",
            "--stdin-filename",
            "examples/classic/Dockerfile",
            "-",
        ],
        &text,
    );
    assert_eq!(
        fixed, printed,
        "fix all safe is not what `dockopt optimize -` prints"
    );
    assert_ne!(fixed, text);
    // Unsafe fixes are offered, labelled, never preferred.
    let unsafe_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAllUnsafe.dockopt")
        .expect("fix all, unsafe too");
    let with_unsafe = apply_edits(&text, edits_of(unsafe_all, &uri));
    let printed_unsafe = dockopt_stdout(
        &[
            "optimize",
            "--unsafe-fixes",
            "--stdin-filename",
            "examples/classic/Dockerfile",
            "-",
        ],
        &text,
    );
    assert_eq!(with_unsafe, printed_unsafe);
    let no_recommends = titled("Fix apt-no-install-recommends (DO011) (unsafe)")
        .unwrap_or_else(|| panic!("no unsafe quick fix for DO011 in {actions:#?}"));
    assert_eq!(no_recommends["isPreferred"], false);
    assert_eq!(no_recommends["kind"], "quickfix");

    // The quick fix on the CMD line: that pass alone, as `--select exec-form` writes it.
    let cmd_line =
        json!({"start": {"line": 17, "character": 2}, "end": {"line": 17, "character": 2}});
    let answer = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": cmd_line, "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = answer["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["title"], "Fix exec-form (DO020)");
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(actions[0]["diagnostics"][0]["code"], "DO020");
    let edits = edits_of(&actions[0], &uri);
    assert_eq!(edits.len(), 1, "a minimal edit: {edits:?}");
    let only_exec_form = dockopt_stdout(
        &[
            "optimize",
            "--select",
            "exec-form",
            "--stdin-filename",
            "examples/classic/Dockerfile",
            "-",
        ],
        &text,
    );
    assert_eq!(apply_edits(&text, edits), only_exec_form);

    // Hover on a flagged line: the pass's documentation, as `dockopt explain` prints it.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 17, "character": 5}}),
    );
    let shown = hover["result"]["contents"]["value"].as_str().unwrap();
    let explained = dockopt_stdout(&["explain", "DO020"], "");
    assert!(shown.contains(explained.trim_end()), "{shown}");
    let blank = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}}),
    );
    assert_eq!(blank["result"], Value::Null);

    // A change that breaks the file: one diagnostic, where the parser stopped.
    let broken = text.replacen("WORKDIR /app", "COPY", 1);
    let error = Document::parse(&broken).unwrap_err();
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diagnostics = lsp.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(
        diagnostics[0]["range"]["start"]["line"],
        json!(error.line - 1)
    );
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains(&error.message)
    );
    // The server is still up: requests get answers, an unknown one `MethodNotFound`.
    let answer = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": everything, "context": {"diagnostics": []}}),
    );
    assert_eq!(answer["result"], json!([]));
    let unknown = lsp.request("textDocument/formatting", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_params = lsp.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(bad_params["error"]["code"], -32602);

    // A burst of changes is analysed once, at its last version.
    let burst: Vec<Value> = (3..=6)
        .map(|version| {
            let text = if version == 6 { &text } else { &broken };
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}})
        })
        .collect();
    lsp.send_all(&burst);
    assert_eq!(lsp.diagnostics(&uri, 6).len(), want.len());
    assert!(
        !lsp.unread
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["version"]
                    .as_i64()
                    .is_some_and(|v| (3..6).contains(&v))),
        "an intermediate version was analysed"
    );

    let shutdown = lsp.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null);
    assert!(shutdown.get("error").is_none());
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), 0);
}

#[test]
fn server_exit_without_shutdown_is_an_error() {
    let mut lsp = Lsp::start();
    lsp.request("initialize", json!({"capabilities": {}}));
    lsp.notify("initialized", json!({}));
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), 1);
}

#[test]
fn server_reads_the_config_the_pragmas_and_the_editor_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    // The config is looked for up to the repository root.
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".dockopt.yaml"), "ignore: [merge-runs]\n").unwrap();
    let path = dir.join("Dockerfile");
    let text = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n# dockopt ignore=exec-form\nCMD ./start.sh\n";
    std::fs::write(&path, text).unwrap();
    let uri = file_uri(&path);
    let named = path.to_str().unwrap();
    let cli = |unsafe_fixes: bool| {
        let mut args = vec![
            "optimize",
            "--format",
            "json",
            "--stdin-filename",
            named,
            "-",
        ];
        if unsafe_fixes {
            args.insert(1, "--unsafe-fixes");
        }
        let report: Value = serde_json::from_str(&dockopt_stdout(&args, text)).unwrap();
        let report = report[0].clone();
        let mut found: Vec<(String, u64)> = ["applied", "suggestions"]
            .iter()
            .flat_map(|k| report[*k].as_array().unwrap().clone())
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        found.sort();
        found
    };

    let mut lsp = Lsp::start();
    lsp.request(
        "initialize",
        json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}, "initializationOptions": {"unsafeFixes": false}}),
    );
    lsp.notify("initialized", json!({}));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
    );
    let diagnostics = lsp.diagnostics(&uri, 1);
    let found = codes_and_lines(&diagnostics);
    assert_eq!(found, cli(false));
    assert!(found.len() >= 3, "{found:?}");
    // The config's ignore and the pragma hold; apt's cleanup is pending.
    assert!(!found.iter().any(|(c, _)| c == "DO001"), "{found:?}");
    assert!(!found.iter().any(|(c, _)| c == "DO020"), "{found:?}");
    assert!(found.contains(&("DO010".to_string(), 2)), "{found:?}");
    let severity = |diagnostics: &[Value], code: &str| {
        diagnostics.iter().find(|d| d["code"] == code).unwrap()["severity"].clone()
    };
    assert_eq!(severity(&diagnostics, "DO011"), 3);

    // Unsafe fixes turned on in the editor: they count as pending, and fix all applies them.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dockopt": {"unsafeFixes": true, "path": "dockopt"}}}),
    );
    let diagnostics = lsp.diagnostics(&uri, 1);
    assert_eq!(codes_and_lines(&diagnostics), cli(true));
    assert_eq!(severity(&diagnostics, "DO011"), 2);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}});
    let answer = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = answer["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(
        actions[0]["title"],
        "dockopt: fix all, unsafe too (unsafe fixes are on)"
    );
    let printed = dockopt_stdout(
        &["optimize", "--unsafe-fixes", "--stdin-filename", named, "-"],
        text,
    );
    assert_eq!(apply_edits(text, edits_of(&actions[0], &uri)), printed);

    // A config that cannot be read: one error, naming it, and the server goes on.
    std::fs::write(dir.join(".dockopt.yaml"), "ignore: [merge-runz]\n").unwrap();
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    let diagnostics = lsp.diagnostics(&uri, 2);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains(".dockopt.yaml") && message.contains("merge-runs"),
        "{message}"
    );
    assert_eq!(lsp.request("shutdown", Value::Null)["result"], Value::Null);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), 0);
}

#[test]
fn server_survives_a_panic_and_messages_that_are_not_json_rpc() {
    let mut lsp = Lsp::start_with(&[("DOCKOPT_SERVER_TEST_PANIC", "textDocument/hover")]);
    lsp.request("initialize", json!({"capabilities": {}}));
    lsp.notify("initialized", json!({}));
    let uri = "untitled:Dockerfile-1";
    let text = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n";
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
    );
    assert!(!lsp.diagnostics(uri, 1).is_empty());
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}});
    let hover = lsp.request("textDocument/hover", at);
    assert_eq!(hover["error"]["code"], -32603, "{hover}");
    // Not JSON, and JSON that is no JSON-RPC message: each skipped, the next one read.
    for body in ["not json!", "{\"hello\": 1}"] {
        write!(lsp.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    }
    lsp.stdin.flush().unwrap();
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}});
    let answer = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = answer["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{answer}");
    // An unsaved buffer is what `dockopt optimize -` makes of it.
    let printed = dockopt_stdout(&["optimize", "-"], text);
    assert_eq!(apply_edits(text, edits_of(&actions[0], uri)), printed);
    assert_eq!(lsp.request("shutdown", Value::Null)["result"], Value::Null);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), 0);
    let log = lsp.log();
    assert!(log.contains("message skipped"), "{log}");
    assert!(log.contains("panic"), "{log}");
}
