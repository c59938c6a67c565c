//! `eniplan::fetch` against local metadata services this test starts on 127.0.0.1: each one
//! serves a document of `tests/sources/` the way its provider's service does (EC2's and
//! Alibaba Cloud's key tree with listings, Azure's one JSON answer), with the provider's token
//! or header required, and the document fetched must read as the same plans as the file. A
//! 500, a body cut short, a service too slow or none listening fail the fetch, naming the key.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eniplan::fetch::Fetch;
use eniplan::{NicNames, Provider};
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("core/ has a parent")
        .to_path_buf()
}

fn case(dir: &str, name: &str) -> (String, NicNames) {
    let base = workspace()
        .join("tests/sources")
        .join(dir)
        .join("valid")
        .join(name);
    let text = std::fs::read_to_string(base.with_extension("json")).expect("document");
    let nics = std::fs::read_to_string(base.with_extension("nics")).expect("nics");
    let pairs: Vec<&str> = nics.lines().filter(|line| !line.is_empty()).collect();
    (text, NicNames::from_pairs(&pairs).expect("names"))
}

/// One request as the server saw it.
struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
}

/// What the server answers: status, body, and whether to cut the body short.
type Reply = (u16, String, bool);

/// A metadata service on 127.0.0.1 answering each request with `answer`.
struct Server {
    base: String,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(answer: impl Fn(&Request) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if let Some(request) = read_request(&stream) {
                    count.fetch_add(1, Ordering::Relaxed);
                    let (status, body, cut) = answer(&request);
                    let _ = write_reply(stream, status, &body, cut);
                }
            }
        });
        Server {
            base,
            requests,
            stop,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let method = words.next()?.to_string();
    let path = words.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
    })
}

fn write_reply(mut stream: TcpStream, status: u16, body: &str, cut: bool) -> std::io::Result<()> {
    // A body cut short announces more than it sends, then the connection closes.
    let length = if cut { body.len() + 40 } else { body.len() };
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
    )?;
    stream.flush()
}

/// EC2's or Alibaba Cloud's answer for `path` under `latest/meta-data/` of `tree`: a listing
/// for an object (its keys, `/` after those that are objects), the text of a value, 404.
fn tree_answer(tree: &Value, path: &str) -> Reply {
    let mut node = tree;
    for part in path.split('/').filter(|part| !part.is_empty()) {
        let next = node.get(part).or_else(|| node.get(format!("{part}/")));
        match next {
            Some(next) => node = next,
            None => return (404, "Not Found".into(), false),
        }
    }
    match node {
        Value::Object(map) => {
            let lines: Vec<String> = map
                .iter()
                .map(|(key, value)| {
                    let key = key.trim_end_matches('/');
                    if value.is_object() {
                        format!("{key}/")
                    } else {
                        key.to_string()
                    }
                })
                .collect();
            (200, lines.join("\n"), false)
        }
        Value::String(text) => (200, text.clone(), false),
        other => (200, other.to_string(), false),
    }
}

/// The tree of a document, without the `latest/meta-data` levels.
fn tree_of(document: &str) -> Value {
    let value: Value = serde_json::from_str(document).expect("JSON");
    value.pointer("/latest/meta-data").cloned().unwrap_or(value)
}

/// An EC2 service that requires IMDSv2: every GET without the token it gave is refused (401).
fn ec2(tree: Value) -> Server {
    Server::start(move |request| {
        if request.method == "PUT" && request.path == "/latest/api/token" {
            let ttl = request.headers.get("x-aws-ec2-metadata-token-ttl-seconds");
            return match ttl {
                Some(_) => (200, "AQAEAtoken==".into(), false),
                None => (400, "Missing TTL".into(), false),
            };
        }
        if request
            .headers
            .get("x-aws-ec2-metadata-token")
            .map(String::as_str)
            != Some("AQAEAtoken==")
        {
            return (401, "Unauthorized".into(), false);
        }
        match request.path.strip_prefix("/latest/meta-data/") {
            Some(path) => tree_answer(&tree, path),
            None => (404, "Not Found".into(), false),
        }
    })
}

/// An Alibaba Cloud service; in hardened mode every GET without the token it gave (asked with
/// Alibaba Cloud's own header) is refused (403, as ECS answers), otherwise the token request is
/// not allowed and GETs answer without one.
fn aliyun(tree: Value, hardened: bool) -> Server {
    Server::start(move |request| {
        if request.method == "PUT" {
            let ttl = request
                .headers
                .get("x-aliyun-ecs-metadata-token-ttl-seconds");
            return match (hardened, ttl) {
                (true, Some(_)) => (200, "aliyun-token".into(), false),
                (true, None) => (400, "Missing TTL".into(), false),
                (false, _) => (403, "Forbidden".into(), false),
            };
        }
        let token = request.headers.get("x-aliyun-ecs-metadata-token");
        if hardened && token.map(String::as_str) != Some("aliyun-token") {
            return (403, "Forbidden".into(), false);
        }
        match request.path.strip_prefix("/latest/meta-data/") {
            Some(path) => tree_answer(&tree, path),
            None => (404, "Not Found".into(), false),
        }
    })
}

/// Azure's IMDS: the document for `GET /metadata/instance?api-version=2021-02-01` with
/// `Metadata: true`; a request without the header, or through a proxy, is refused.
fn azure(document: String) -> Server {
    Server::start(move |request| {
        let header = request.headers.get("metadata").map(String::as_str) == Some("true");
        if !header || request.headers.contains_key("x-forwarded-for") {
            return (400, "Bad request".into(), false);
        }
        if request.path == "/metadata/instance?api-version=2021-02-01" {
            (200, document.clone(), false)
        } else {
            (404, "Not Found".into(), false)
        }
    })
}

fn fetch(provider: Provider, server: &Server) -> Fetch {
    Fetch {
        base: server.base.clone(),
        timeout: Duration::from_millis(800),
        attempts: 2,
        ..Fetch::new(provider)
    }
}

#[test]
fn ec2_with_imdsv2_required_gives_the_documents_plans() {
    for name in ["enis-out-of-order", "ipv6-with-levels", "one-eni"] {
        let (document, names) = case("aws", name);
        let server = ec2(tree_of(&document));
        let fetched = fetch(Provider::Aws, &server)
            .document()
            .unwrap_or_else(|errors| panic!("{name}: {errors}"));
        let got = eniplan::plans_from_cloud_metadata(&fetched, None, &names).expect("plans");
        let want = eniplan::plans_from_cloud_metadata(&document, Some(Provider::Aws), &names)
            .expect("plans");
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn alibaba_cloud_is_asked_with_a_token_in_hardened_mode_and_without_one_otherwise() {
    let path = workspace().join("tests/sources/metadata/valid/two-enis");
    let document = std::fs::read_to_string(path.with_extension("json")).expect("document");
    let nics = std::fs::read_to_string(path.with_extension("nics")).expect("nics");
    let pairs: Vec<&str> = nics.lines().filter(|l| !l.is_empty()).collect();
    let names = NicNames::from_pairs(&pairs).expect("names");
    let want = eniplan::plans_from_metadata(&document, &names).expect("plans");
    for hardened in [false, true] {
        let server = aliyun(tree_of(&document), hardened);
        let fetched = fetch(Provider::Aliyun, &server)
            .document()
            .unwrap_or_else(|errors| panic!("hardened {hardened}: {errors}"));
        let got = eniplan::plans_from_cloud_metadata(&fetched, None, &names).expect("plans");
        assert_eq!(got.1, want, "hardened {hardened}");
        assert_eq!(got.0, Provider::Aliyun);
    }
}

#[test]
fn azure_is_asked_with_its_header_and_api_version() {
    let (document, names) = case("azure", "one-nic");
    let server = azure(document.clone());
    let fetched = fetch(Provider::Azure, &server).document().expect("fetched");
    assert_eq!(fetched, document);
    let (provider, plans) =
        eniplan::plans_from_cloud_metadata(&fetched, None, &names).expect("plans");
    assert_eq!(provider, Provider::Azure);
    assert_eq!(plans.len(), 1);
}

/// A 500 on one key, a body cut short, a service slower than the timeout, and no service at
/// all: each fails the whole fetch, naming the key.
#[test]
fn a_partial_answer_fails_the_fetch_naming_the_key() {
    let (document, _) = case("aws", "one-eni");
    let tree = tree_of(&document);
    let failing = |key: &'static str, reply: Reply| {
        let tree = tree.clone();
        Server::start(move |request| {
            if request.method == "PUT" {
                return (200, "t".into(), false);
            }
            let path = request.path.trim_start_matches("/latest/meta-data/");
            if path.ends_with(key) {
                return reply.clone();
            }
            tree_answer(&tree, path)
        })
    };
    for (key, reply, says) in [
        ("local-ipv4s", (500, "oops".into(), false), "HTTP 500"),
        (
            "subnet-ipv4-cidr-block",
            (200, "10.0.1.0/24".into(), true),
            "cut short",
        ),
    ] {
        let server = failing(key, reply);
        let errors = fetch(Provider::Aws, &server)
            .document()
            .expect_err("refused");
        let error = errors
            .as_slice()
            .iter()
            .find(|e| e.field().ends_with(key))
            .unwrap_or_else(|| panic!("{key}: {errors}"));
        assert_eq!(error.kind(), "unavailable");
        assert!(error.to_string().contains(says), "{error}");
    }
    // A 500 is tried again: `attempts` requests for that key.
    let server = failing("local-ipv4s", (500, "oops".into(), false));
    let before = server.requests.load(Ordering::Relaxed);
    let _ = fetch(Provider::Aws, &server).document();
    assert!(server.requests.load(Ordering::Relaxed) - before >= 2);

    // Slower than the timeout.
    let slow = Server::start(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        (200, "late".into(), false)
    });
    let errors = fetch(Provider::Aws, &slow)
        .document()
        .expect_err("timed out");
    assert_eq!(errors.as_slice()[0].kind(), "unavailable", "{errors}");
    assert!(errors.to_string().contains("timed out"), "{errors}");

    // Nobody listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let nobody = Fetch {
        base: format!("http://127.0.0.1:{port}"),
        attempts: 1,
        ..Fetch::new(Provider::Azure)
    };
    let errors = nobody.document().expect_err("refused");
    assert_eq!(
        errors.as_slice()[0].field(),
        "metadata/instance",
        "{errors}"
    );
}

#[test]
fn the_provider_is_read_from_dmi_under_a_root() {
    let root = std::env::temp_dir().join(format!("eniplan-dmi-{}", std::process::id()));
    let dmi = root.join("sys/class/dmi/id");
    for (file, value, provider) in [
        ("sys_vendor", "Alibaba Cloud\n", Some(Provider::Aliyun)),
        ("sys_vendor", "Amazon EC2\n", Some(Provider::Aws)),
        (
            "chassis_asset_tag",
            "7783-7084-3265-9085-8269-3286-77\n",
            Some(Provider::Azure),
        ),
        ("sys_vendor", "QEMU\n", None),
    ] {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&dmi).expect("dmi dir");
        std::fs::write(dmi.join(file), value).expect("dmi file");
        assert_eq!(
            eniplan::fetch::provider_from_dmi(&root),
            provider,
            "{value}"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// `--cloud auto` on a host whose DMI values name no provider: each service is told by what
/// it answers (EC2's token flow and `placement/region`, Alibaba Cloud's `region-id` with or
/// without its token, Azure's document with its header), never by another's; a service that
/// answers nothing of the kind, or none at all, tells nothing. DMI values, when present, are
/// taken without asking anyone.
#[test]
fn a_host_without_dmi_values_is_told_by_the_service_that_answers() {
    use eniplan::fetch::{probe, provider_of_host};
    let quick = Duration::from_millis(800);
    let (aws_document, _) = case("aws", "one-eni");
    let (azure_document, _) = case("azure", "one-nic");
    let aliyun_document =
        std::fs::read_to_string(workspace().join("tests/sources/metadata/valid/two-enis.json"))
            .expect("document");
    let services = [
        (ec2(tree_of(&aws_document)), Provider::Aws),
        (aliyun(tree_of(&aliyun_document), true), Provider::Aliyun),
        (aliyun(tree_of(&aliyun_document), false), Provider::Aliyun),
        (azure(azure_document), Provider::Azure),
    ];
    for (server, provider) in &services {
        assert_eq!(
            probe(Some(&server.base), quick),
            [*provider],
            "{provider:?}"
        );
    }
    let nothing = Server::start(|_| (404, "Not Found".into(), false));
    assert_eq!(probe(Some(&nothing.base), quick), []);

    let root = std::env::temp_dir().join(format!("eniplan-no-dmi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("root");
    let (aws, _) = &services[0];
    let found = provider_of_host(root.as_path(), Some(&aws.base)).expect("told by the probe");
    assert_eq!(found.provider, Provider::Aws);
    assert!(found.evidence.contains("answered"), "{}", found.evidence);
    let error = provider_of_host(root.as_path(), Some(&nothing.base)).expect_err("nothing tells");
    assert_eq!(error.field(), "cloud", "{error}");

    // DMI first: the service is not asked.
    let dmi = root.as_path().join("sys/class/dmi/id");
    std::fs::create_dir_all(&dmi).expect("dmi");
    std::fs::write(dmi.join("sys_vendor"), "Alibaba Cloud\n").expect("vendor");
    let before = aws.requests.load(Ordering::Relaxed);
    let found = provider_of_host(root.as_path(), Some(&aws.base)).expect("told by DMI");
    assert_eq!(found.provider, Provider::Aliyun);
    assert_eq!(aws.requests.load(Ordering::Relaxed), before);
    let _ = std::fs::remove_dir_all(&root);
}
