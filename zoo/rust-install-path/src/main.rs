//! myapp: a tiny text-utility HTTP service on std only.
//!   GET /health          -> ok
//!   GET /reverse?s=abc   -> cba
//!   GET /upper?s=abc     -> ABC
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;

fn route(path: &str) -> (u16, String) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let s = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("s="))
        .unwrap_or("");
    match route {
        "/health" => (200, "ok".to_string()),
        "/reverse" => (200, s.chars().rev().collect()),
        "/upper" => (200, s.to_uppercase()),
        _ => (404, "not found".to_string()),
    }
}

fn handle(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (status, body) = match (parts.next(), parts.next()) {
        (Some("GET"), Some(path)) => route(path),
        _ => (400, "bad request".to_string()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        thread::spawn(move || {
            let _ = handle(stream);
        });
    }
}

fn get(addr: &str, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    Ok(resp)
}

fn selftest() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .to_string();
    thread::spawn(move || serve(listener));
    for (path, want) in [
        ("/health", "ok"),
        ("/reverse?s=otter", "retto"),
        ("/upper?s=zoo", "ZOO"),
    ] {
        let resp = get(&addr, path).map_err(|e| e.to_string())?;
        if !resp.starts_with("HTTP/1.1 200") || !resp.ends_with(&format!("\r\n\r\n{want}")) {
            return Err(format!("GET {path}: {resp:?}"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--selftest") {
        return match selftest() {
            Ok(()) => {
                println!("selftest ok");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("selftest failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let addr = std::env::var("MYAPP_ADDR").unwrap_or_else(|_| "0.0.0.0:8080".to_string());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bind {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("myapp listening on {addr}");
    serve(listener);
    ExitCode::SUCCESS
}
