//! Asking a cloud's metadata service for the instance's document (feature `apply`: the host
//! layer, the one part of the crate that opens a socket).
//!
//! Alibaba Cloud and EC2 serve a tree of keys under `latest/meta-data/`; the fetch gathers the
//! keys the provider's reader takes ([`ProviderSpec`]'s items, and each ENI's under
//! `network/interfaces/macs/<mac>/`) into one JSON object by path — the document
//! [`crate::plans_from_cloud_metadata`] reads. Azure answers one JSON document.
//!
//! Tokens: EC2's IMDSv2 (`PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds`,
//! then `X-aws-ec2-metadata-token` on every request: "Use IMDSv2", EC2 User Guide) and Alibaba
//! Cloud's hardened mode (`X-aliyun-ecs-metadata-token-ttl-seconds`, then
//! `X-aliyun-ecs-metadata-token`: "Instance metadata", ECS documentation). A service that
//! does not take the token request (a 4xx) is asked without one; one that cannot be reached is
//! an error. Azure takes `Metadata: true` and must never be asked through a proxy (Azure IMDS
//! documentation); no provider's service is.
//!
//! **Never from partial truth**: a key that answers 404 is absent (the reader decides whether
//! the plan can do without it); any other status, a timeout, a refused connection or a body cut
//! short is [`Error::Unavailable`] naming the key, after a bounded number of attempts — and the
//! whole fetch fails, so nothing is planned from what came back before it.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Errors};
use crate::plan::Provider;
use crate::source::provider::spec;

/// How long the token lives (six hours; the fetch needs seconds).
const TOKEN_TTL_SECONDS: &str = "21600";

/// Azure IMDS's API version eniplan reads (its `network` category as documented).
const AZURE_API_VERSION: &str = "2021-02-01";

/// The largest answer taken from one key; a metadata value is a few hundred bytes.
const BODY_LIMIT: u64 = 1 << 20;

/// One fetch of an instance's metadata.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// Whose service it asks.
    pub provider: Provider,
    /// The service's base address (the provider's own by default; a test's server).
    pub base: String,
    /// The longest one request may take.
    pub timeout: Duration,
    /// How many times a request is tried before the fetch fails (a timeout, a refused
    /// connection, a 5xx or a 429 are tried again, with a doubling pause from 200 ms).
    pub attempts: u32,
}

impl Fetch {
    /// A fetch from `provider`'s own service: 2 s per request, 3 attempts.
    pub fn new(provider: Provider) -> Fetch {
        Fetch {
            provider,
            base: spec(provider).metadata_url.to_string(),
            timeout: Duration::from_secs(2),
            attempts: 3,
        }
    }

    /// The instance's metadata document, or every reason it could not be fetched in full.
    pub fn document(&self) -> Result<String, Errors> {
        let client = Client::new(self)?;
        match self.provider {
            Provider::Azure => client.azure(),
            Provider::Aliyun | Provider::Aws => client.tree(),
        }
    }

    /// Whether the service at `base` answers as this fetch's provider's does: its token flow,
    /// then the key only its service has ([`ProviderSpec::identity`](crate::ProviderSpec)),
    /// or Azure's document with its header. Anything else — no answer, an error status, a
    /// 404 — is no.
    pub fn answers(&self) -> bool {
        let Ok(client) = Client::new(self) else {
            return false;
        };
        match self.provider {
            Provider::Azure => client.azure().is_ok(),
            Provider::Aliyun | Provider::Aws => matches!(
                client.key(spec(self.provider).identity),
                Ok(Answer::Body(_))
            ),
        }
    }
}

/// The providers whose metadata service answers as theirs, asked all at once (one attempt,
/// `timeout` each): at `base` when given (a test's service), else each at its own address
/// (Alibaba Cloud's 100.100.100.200, EC2's and Azure's 169.254.169.254, told apart by what
/// they answer). The probe for a host whose DMI values name no provider; more than one answer
/// is a contradiction for the caller to refuse.
pub fn probe(base: Option<&str>, timeout: Duration) -> Vec<Provider> {
    std::thread::scope(|scope| {
        let asked: Vec<_> = Provider::ALL
            .into_iter()
            .map(|provider| {
                let fetch = Fetch {
                    provider,
                    base: base
                        .map_or_else(|| spec(provider).metadata_url.to_string(), String::from),
                    timeout,
                    attempts: 1,
                };
                scope.spawn(move || fetch.answers().then_some(provider))
            })
            .collect();
        asked
            .into_iter()
            .filter_map(|thread| thread.join().ok().flatten())
            .collect()
    })
}

/// What one request answered: the body, or absent (404).
enum Answer {
    Body(String),
    Absent,
}

struct Client<'f> {
    fetch: &'f Fetch,
    agent: ureq::Agent,
    /// The token header and its value, once the service gave one.
    token: Option<(&'static str, String)>,
}

impl<'f> Client<'f> {
    fn new(fetch: &'f Fetch) -> Result<Client<'f>, Errors> {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(fetch.timeout))
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .build();
        let mut client = Client {
            fetch,
            agent: config.into(),
            token: None,
        };
        client.token = client.token()?;
        Ok(client)
    }

    fn base(&self) -> &str {
        self.fetch.base.trim_end_matches('/')
    }

    /// The session token, where the provider has one and its service gives it.
    fn token(&self) -> Result<Option<(&'static str, String)>, Errors> {
        let (ttl_header, header) = match self.fetch.provider {
            Provider::Aws => (
                "X-aws-ec2-metadata-token-ttl-seconds",
                "X-aws-ec2-metadata-token",
            ),
            Provider::Aliyun => (
                "X-aliyun-ecs-metadata-token-ttl-seconds",
                "X-aliyun-ecs-metadata-token",
            ),
            Provider::Azure => return Ok(None),
        };
        let url = format!("{}/latest/api/token", self.base());
        let answer = self.attempt(|agent| {
            agent
                .put(&url)
                .header(ttl_header, TOKEN_TTL_SECONDS)
                .send_empty()
        });
        match answer {
            Ok(Answer::Body(token)) if !token.trim().is_empty() => {
                Ok(Some((header, token.trim().to_string())))
            }
            Ok(_) => Ok(None),
            // A service that refuses the token request itself (not found, not allowed) is
            // asked without one; one that cannot be reached fails the fetch.
            Err(Refusal::Status(status)) if (400..500).contains(&status) && status != 429 => {
                Ok(None)
            }
            Err(refusal) => Err(refusal.error("latest/api/token", &url).into()),
        }
    }

    /// One key of the tree under `latest/meta-data/`.
    fn key(&self, path: &str) -> Result<Answer, Error> {
        let url = format!("{}/latest/meta-data/{path}", self.base());
        let token = self.token.clone();
        self.attempt(|agent| {
            let mut request = agent.get(&url);
            if let Some((header, value)) = &token {
                request = request.header(*header, value.as_str());
            }
            request.call()
        })
        .map_err(|refusal| refusal.error(path, &url))
    }

    /// Alibaba Cloud's and EC2's tree: the instance's keys, the ENIs' listing, each ENI's keys.
    fn tree(&self) -> Result<String, Errors> {
        let spec = spec(self.fetch.provider);
        let mut root = Map::new();
        let mut errors = Vec::new();
        for item in spec.instance_items {
            match self.key(item) {
                Ok(Answer::Body(text)) => insert(&mut root, item, text),
                Ok(Answer::Absent) => {}
                Err(error) => errors.push(error),
            }
        }
        let listing = "network/interfaces/macs/";
        match self.key(listing) {
            Ok(Answer::Body(text)) => {
                for mac in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
                    let mac = mac.trim_end_matches('/');
                    // Only a MAC is a key here: nothing else is asked for.
                    if mac.contains(['/', '.', '?', '#']) || mac.len() > 17 {
                        errors.push(Error::Syntax {
                            field: format!("{listing}{mac}"),
                            message: "the listing names something that is no MAC address".into(),
                        });
                        continue;
                    }
                    for item in spec.eni_items {
                        let path = format!("{listing}{mac}/{item}");
                        match self.key(&path) {
                            Ok(Answer::Body(text)) => insert(&mut root, &path, text),
                            Ok(Answer::Absent) => {}
                            Err(error) => errors.push(error),
                        }
                    }
                    // An ENI with none of its keys answered still exists: the reader names
                    // what it lacks.
                    ensure_object(&mut root, &format!("{listing}{mac}"));
                }
            }
            Ok(Answer::Absent) => errors.push(Error::Missing {
                field: listing.trim_end_matches('/').into(),
                hint: "the metadata service lists no network interface".into(),
            }),
            Err(error) => errors.push(error),
        }
        if errors.is_empty() {
            Ok(Value::Object(root).to_string())
        } else {
            Err(Errors::new(errors))
        }
    }

    /// Azure's one document.
    fn azure(&self) -> Result<String, Errors> {
        let url = format!(
            "{}/metadata/instance?api-version={AZURE_API_VERSION}",
            self.base()
        );
        let answer = self
            .attempt(|agent| agent.get(&url).header("Metadata", "true").call())
            .map_err(|refusal| refusal.error("metadata/instance", &url))?;
        match answer {
            Answer::Body(text) => match serde_json::from_str::<Value>(&text) {
                Ok(_) => Ok(text),
                Err(error) => Err(Error::Unavailable {
                    field: "metadata/instance".into(),
                    value: format!("{url} answered no complete JSON document: {error}"),
                }
                .into()),
            },
            Answer::Absent => Err(Error::Unavailable {
                field: "metadata/instance".into(),
                value: format!("{url} answered 404"),
            }
            .into()),
        }
    }

    /// Sends a request until it is answered, at most `attempts` times.
    fn attempt(
        &self,
        send: impl Fn(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, Refusal> {
        let mut pause = Duration::from_millis(200);
        let mut last = Refusal::Status(0);
        for attempt in 1..=self.fetch.attempts.max(1) {
            if attempt > 1 {
                std::thread::sleep(pause);
                pause *= 2;
            }
            match send(&self.agent) {
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    match status {
                        200..=299 => {
                            // A body cut short may be a passing fault: it is tried again.
                            match response
                                .body_mut()
                                .with_config()
                                .limit(BODY_LIMIT)
                                .read_to_string()
                            {
                                Ok(body) => return Ok(Answer::Body(body)),
                                Err(ureq::Error::Timeout(_)) => {
                                    last = Refusal::TimedOut(self.fetch.timeout)
                                }
                                Err(error) => last = Refusal::Body(error.to_string()),
                            }
                        }
                        404 => return Ok(Answer::Absent),
                        429 | 500..=599 => last = Refusal::Status(status),
                        _ => return Err(Refusal::Status(status)),
                    }
                }
                Err(ureq::Error::Timeout(_)) => last = Refusal::TimedOut(self.fetch.timeout),
                Err(error) => last = Refusal::Transport(error.to_string()),
            }
        }
        Err(last)
    }
}

/// Why a request got no usable answer.
enum Refusal {
    Status(u16),
    Transport(String),
    TimedOut(Duration),
    Body(String),
}

impl Refusal {
    fn error(self, path: &str, url: &str) -> Error {
        let value = match self {
            Refusal::Status(status) => format!("{url} answered HTTP {status}"),
            Refusal::Transport(error) => format!("{url}: {error}"),
            Refusal::TimedOut(limit) => format!(
                "{url}: timed out, no whole answer within {} ms",
                limit.as_millis()
            ),
            Refusal::Body(error) => format!("{url}: the answer was cut short: {error}"),
        };
        Error::Unavailable {
            field: path.trim_end_matches('/').to_string(),
            value,
        }
    }
}

/// Puts `text` at `path` (`a/b/c`) in the tree.
fn insert(root: &mut Map<String, Value>, path: &str, text: String) {
    let mut parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let Some(last) = parts.pop() else {
        return;
    };
    let node = ensure_object(root, &parts.join("/"));
    node.insert(last.to_string(), Value::String(text));
}

/// The object at `path` in the tree, made where missing.
fn ensure_object<'m>(root: &'m mut Map<String, Value>, path: &str) -> &'m mut Map<String, Value> {
    let mut node = root;
    for part in path.split('/').filter(|part| !part.is_empty()) {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        node = entry.as_object_mut().expect("made an object above");
    }
    node
}

/// Which cloud a host is on, and what told it (for the note a caller prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCloud {
    /// The provider.
    pub provider: Provider,
    /// What told it: the DMI value, or the metadata service that answered as the provider's.
    pub evidence: String,
}

/// The cloud the host under `root` runs on (`--cloud auto`): its DMI values first
/// ([`provider_from_dmi`]), then a probe of the metadata services ([`probe`], at `base` when
/// given) — what cloud-init's ds-identify and nm-cloud-setup do too, in that order. Neither
/// telling, or two services answering, is an error asking for the cloud by name.
pub fn provider_of_host(root: &std::path::Path, base: Option<&str>) -> Result<HostCloud, Error> {
    let dmi = root.join("sys/class/dmi/id");
    if let Some(provider) = provider_from_dmi(root) {
        return Ok(HostCloud {
            provider,
            evidence: format!("the DMI values under {}", dmi.display()),
        });
    }
    let asked = base.map_or_else(|| "its own address".to_string(), String::from);
    match probe(base, PROBE_TIMEOUT).as_slice() {
        [provider] => Ok(HostCloud {
            provider: *provider,
            evidence: format!(
                "no DMI value under {}, but {}'s metadata service answered at {asked}",
                dmi.display(),
                spec(*provider).describes
            ),
        }),
        [] => Err(Error::Missing {
            field: "cloud".into(),
            hint: format!(
                "no DMI value under {} says which cloud this host is on and no metadata service                  answered (each asked at {asked}); name it: aliyun, aws or azure",
                dmi.display()
            ),
        }),
        [first, others @ ..] => Err(Error::Contradiction {
            field: "cloud".into(),
            value: format!("{}'s metadata service answering", spec(*first).describes),
            other: others
                .iter()
                .map(|p| format!("{}'s answering too (name the cloud)", spec(*p).describes))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// How long the probe waits for each service (a host off every cloud waits this once: the
/// services are asked at the same time).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The provider the host under `root` runs on, from its DMI values
/// (`sys/class/dmi/id/<file>`, each provider's [`ProviderSpec::dmi`](crate::ProviderSpec)), or
/// `None` when none matches.
pub fn provider_from_dmi(root: &std::path::Path) -> Option<Provider> {
    Provider::ALL.into_iter().find(|provider| {
        spec(*provider).dmi.iter().any(|(file, value)| {
            std::fs::read_to_string(root.join("sys/class/dmi/id").join(file))
                .is_ok_and(|text| text.trim().starts_with(value))
        })
    })
}
