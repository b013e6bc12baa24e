//! `# dockopt ignore=` / `# hadolint ignore=` pragmas, local and global, and `--ignore-pragmas`.

use dockopt::Settings;

use crate::support::optimize_checked;

const FILE: &str = "\
FROM python:3.12-slim
# hadolint ignore=DL3042
RUN pip install flask
RUN pip install requests
# dockopt ignore=exec-form;reason=the command needs a shell later
CMD python app.py
";

#[test]
fn local_pragmas_hold_for_their_instruction() {
    let out = optimize_checked(FILE, &Settings::default());
    assert!(
        out.output
            .contains("RUN pip install flask \\\n    && pip install --no-cache-dir requests"),
        "{}",
        out.output
    );
    assert!(out.output.contains("CMD python app.py"));
    let all = optimize_checked(
        FILE,
        &Settings {
            ignore_pragmas: true,
            ..Settings::default()
        },
    );
    assert!(all.output.contains("pip install --no-cache-dir flask"));
    assert!(all.output.contains(r#"CMD ["python", "app.py"]"#));
}

#[test]
fn global_pragmas_hold_for_the_file() {
    let text = "FROM debian:bookworm\n# hadolint global ignore=DL3059\nRUN echo a\nRUN echo b\n# dockopt global ignore=DO022\nMAINTAINER me\n";
    let out = optimize_checked(text, &Settings::default());
    assert_eq!(out.output, text);
    let all = optimize_checked(
        text,
        &Settings {
            ignore_pragmas: true,
            ..Settings::default()
        },
    );
    assert_ne!(all.output, text);
}
