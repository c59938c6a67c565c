//! The native module `eniplan._eniplan`: converts Python values to the core's types and back,
//! and calls the core. Nothing here renders or validates; every rule lives in the `eniplan`
//! crate, so Python, the CLI and the browser cannot disagree.

use eniplan::{EniPlan, Errors, Target};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pythonize::{depythonize, pythonize};

// The Rust side's allocations (the plan, the rendering before it becomes Python objects) use
// mimalloc, as the CLI does; Python's own objects keep Python's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One problem of a rejected plan, as Python sees it.
#[pyclass(module = "eniplan", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
struct Problem {
    /// The plan field, e.g. `secondaries[1]`.
    field: String,
    /// The offending value as given (empty when the field is missing).
    value: String,
    /// The full message, naming field and value.
    message: String,
    /// A stable name of the kind of problem, e.g. `outside_subnet`.
    kind: String,
}

#[pymethods]
impl Problem {
    fn __repr__(&self) -> String {
        format!(
            "Problem(field={:?}, value={:?}, kind={:?}, message={:?})",
            self.field, self.value, self.kind, self.message
        )
    }

    fn __str__(&self) -> String {
        self.message.clone()
    }
}

fn problems(errors: &Errors) -> Vec<Problem> {
    errors
        .as_slice()
        .iter()
        .map(|error| Problem {
            field: error.field().to_string(),
            value: error.value().to_string(),
            message: error.to_string(),
            kind: error.kind().to_string(),
        })
        .collect()
}

/// Raises `eniplan.PlanError(message, problems)`; the class lives in the Python package so
/// that it can inherit both `eniplan.Error` and `ValueError`.
fn plan_error(py: Python<'_>, errors: &Errors) -> PyErr {
    package_error(py, "PlanError", errors)
}

/// Raises the package's error class `name` (`PlanError`, `MetadataError`) with the message
/// and the problems.
fn package_error(py: Python<'_>, name: &str, errors: &Errors) -> PyErr {
    let class = match py
        .import("eniplan._errors")
        .and_then(|module| module.getattr(name))
    {
        Ok(class) => class,
        Err(error) => return error,
    };
    match class.call1((errors.to_string(), problems(errors))) {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

/// A plan given as YAML/JSON text or as a mapping (a dict, as Ansible and Salt pass it).
/// The outer error is a `TypeError` for anything else; the inner one the plan's problems.
/// Both go through the core's input rules (an unknown key named with a suggestion, a single
/// value where a list goes read as a list of one, …).
fn parse_plan(plan: &Bound<'_, PyAny>) -> PyResult<Result<EniPlan, Errors>> {
    Ok(if let Ok(text) = plan.cast::<PyString>() {
        EniPlan::from_text(&text.to_cow()?)
    } else if plan.is_instance_of::<PyDict>() || plan.hasattr("keys")? {
        document(plan)?.and_then(EniPlan::from_value)
    } else {
        return Err(PyTypeError::new_err(format!(
            "a plan is a mapping or YAML/JSON text, not {}",
            plan.get_type().name()?
        )));
    })
}

/// One plan or a list of them (an instance, as `plans_from_metadata` returns it): text, a
/// mapping, or a list of mappings.
fn parse_plans(plans: &Bound<'_, PyAny>) -> PyResult<Result<Vec<EniPlan>, Errors>> {
    Ok(if let Ok(text) = plans.cast::<PyString>() {
        eniplan::plans_from_text(&text.to_cow()?)
    } else if plans.is_instance_of::<PyList>() || plans.is_instance_of::<PyTuple>() {
        document(plans)?.and_then(eniplan::plans_from_value)
    } else {
        parse_plan(plans)?.map(|plan| vec![plan])
    })
}

/// A Python value as a plan document.
fn document(value: &Bound<'_, PyAny>) -> PyResult<Result<eniplan::PlanValue, Errors>> {
    Ok(depythonize::<eniplan::PlanValue>(value).map_err(|error| {
        Errors::from(eniplan::Error::Syntax {
            field: "plan".into(),
            message: format!("not a valid plan: {error}"),
        })
    }))
}

fn read_plan(py: Python<'_>, plan: &Bound<'_, PyAny>) -> PyResult<EniPlan> {
    parse_plan(plan)?.map_err(|errors| plan_error(py, &errors))
}

fn read_plans(py: Python<'_>, plans: &Bound<'_, PyAny>) -> PyResult<Vec<EniPlan>> {
    parse_plans(plans)?.map_err(|errors| plan_error(py, &errors))
}

/// One target's rendering of one plan or an instance.
fn render_one(
    py: Python<'_>,
    plans: &[EniPlan],
    target: &str,
    root: Option<&std::path::Path>,
) -> PyResult<Py<PyAny>> {
    let host = host_of(py, root, target_of(py, target)?)?;
    let rendering =
        eniplan::render_for(plans, target, &host).map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &rendering)
}

/// The host's files a rendering for `target` is merged with: those under `root` that the
/// family reads (the core's `apply::merge_files`); nothing without a root.
fn host_of(
    py: Python<'_>,
    root: Option<&std::path::Path>,
    target: Target,
) -> PyResult<eniplan::HostFiles> {
    let Some(root) = root else {
        return Ok(eniplan::HostFiles::new());
    };
    eniplan::apply::merge_files(root, target.family()).map_err(|error| host_error(py, error))
}

/// A host that could not be read, as Python's exceptions: a file that is no configuration is
/// a `PlanError` naming it, the file system's failure an `OSError`.
fn host_error(py: Python<'_>, error: eniplan::apply::HostFilesError) -> PyErr {
    match error {
        eniplan::apply::HostFilesError::Invalid(errors) => plan_error(py, &errors),
        eniplan::apply::HostFilesError::Io(message) => {
            pyo3::exceptions::PyOSError::new_err(message)
        }
    }
}

fn to_python<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    pythonize(py, value)
        .map(Bound::unbind)
        .map_err(|error| PyTypeError::new_err(error.to_string()))
}

/// Renders a plan (or every ENI of an instance, a list of plans) for one target; returns the
/// rendering as a dict. With `root`, merged with the host's files there: eniplan changes only
/// what it owns.
#[pyfunction]
#[pyo3(signature = (plan, target, root = None))]
fn render(
    py: Python<'_>,
    plan: &Bound<'_, PyAny>,
    target: &str,
    root: Option<std::path::PathBuf>,
) -> PyResult<Py<PyAny>> {
    let plans = read_plans(py, plan)?;
    render_one(py, &plans, target, root.as_deref())
}

/// Renders the change from plan `before` to plan `after` for one target: `after`'s files,
/// `before`'s files that `after` no longer writes under `delete`, and first the commands that
/// remove the dropped addresses at once. Each may be one plan or a list (an instance).
/// With `root`, merged with the host's files there; with `before=None`, the plan in force is
/// read from them.
#[pyfunction]
#[pyo3(signature = (before, after, target, root = None))]
fn render_change(
    py: Python<'_>,
    before: &Bound<'_, PyAny>,
    after: &Bound<'_, PyAny>,
    target: &str,
    root: Option<std::path::PathBuf>,
) -> PyResult<Py<PyAny>> {
    let after = read_plans(py, after)?;
    let parsed = Target::parse(target).map_err(|error| plan_error(py, &error.into()))?;
    let host = host_of(py, root.as_deref(), parsed)?;
    let rendering = if before.is_none() {
        eniplan::render_change_from_host(&after, target, &host)
    } else {
        let before = read_plans(py, before)?;
        eniplan::render_change_on(&before, Some(&after), target, &host)
    }
    .map_err(|e| plan_error(py, &e))?;
    to_python(py, &rendering)
}

/// Renders the removal of every secondary address of a plan (or of each ENI of an instance;
/// the primaries stay) for one target: the files that carried them to delete, and the
/// commands that remove them now.
#[pyfunction]
#[pyo3(signature = (plan, target, root = None))]
fn render_absent(
    py: Python<'_>,
    plan: &Bound<'_, PyAny>,
    target: &str,
    root: Option<std::path::PathBuf>,
) -> PyResult<Py<PyAny>> {
    let plans = read_plans(py, plan)?;
    let parsed = Target::parse(target).map_err(|error| plan_error(py, &error.into()))?;
    let host = host_of(py, root.as_deref(), parsed)?;
    let rendering =
        eniplan::render_change_on(&plans, None, target, &host).map_err(|e| plan_error(py, &e))?;
    to_python(py, &rendering)
}

/// Renders a plan (or an instance) for a selection: `all` families, `ecs-doc`, or a
/// comma-separated list of targets. Returns one entry per target: its rendering, or, for a
/// target that cannot render the plan, `{target, family, error, problems}`.
#[pyfunction]
#[pyo3(signature = (plan, targets = "all"))]
fn render_many(py: Python<'_>, plan: &Bound<'_, PyAny>, targets: &str) -> PyResult<Py<PyAny>> {
    let plans = read_plans(py, plan)?;
    let outcomes =
        eniplan::render_plans(&plans, targets).map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &outcomes)
}

/// The Alibaba Cloud ECS document's example, rendered for `targets`.
#[pyfunction]
#[pyo3(signature = (targets = "all"))]
fn render_example(py: Python<'_>, targets: &str) -> PyResult<Py<PyAny>> {
    let renderings = eniplan::render_example(targets).map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &renderings)
}

/// The former name of `render_example`.
#[pyfunction]
#[pyo3(signature = (targets = "all"))]
fn render_seed_example(py: Python<'_>, targets: &str) -> PyResult<Py<PyAny>> {
    render_example(py, targets)
}

/// Every problem of a plan or an instance (an empty list when it is valid), checked against
/// `targets` (a selection) too when given.
#[pyfunction]
#[pyo3(signature = (plan, targets = None))]
fn validate(plan: &Bound<'_, PyAny>, targets: Option<&str>) -> PyResult<Vec<Problem>> {
    let plans = match parse_plans(plan)? {
        Ok(plans) => plans,
        // A plan that does not even parse is reported the same way as an invalid one.
        Err(errors) => return Ok(problems(&errors)),
    };
    let result = eniplan::check_plans(&plans, targets);
    Ok(result
        .err()
        .map(|errors| problems(&errors))
        .unwrap_or_default())
}

/// Every target: name, family, description and restart commands.
#[pyfunction]
fn targets(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let list: Vec<eniplan::TargetInfo> = Target::all().map(eniplan::TargetInfo::from).collect();
    to_python(py, &list)
}

/// The target name for a distribution and version as Ansible facts or /etc/os-release give
/// them, e.g. ("CentOS", "7.9.2009") → "centos-7".
#[pyfunction]
fn target_for(py: Python<'_>, distribution: &str, version: &str) -> PyResult<String> {
    Target::for_distribution(distribution, version)
        .map(|target| target.name().to_string())
        .map_err(|error| plan_error(py, &error.into()))
}

/// The plan's keys and what each holds, read from the core's plan struct.
#[pyfunction]
fn plan_schema(py: Python<'_>) -> PyResult<Py<PyAny>> {
    to_python(py, &eniplan::plan_schema())
}

/// A JSON document given as its text or as the dict/list it encodes.
fn json_text(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = document.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    py.import("json")?
        .call_method1("dumps", (document,))?
        .extract::<String>()
}

/// `{mac: name}` as the core's NIC-name map.
fn nic_names(
    py: Python<'_>,
    nics: &std::collections::BTreeMap<String, String>,
) -> PyResult<eniplan::NicNames> {
    eniplan::NicNames::from_map(nics.iter().map(|(mac, name)| (mac.as_str(), name.as_str())))
        .map_err(|errors| plan_error(py, &errors))
}

/// One plan per ENI of the instance the metadata describes (its text, or the dict of the
/// tree under `latest/meta-data`), the primary ENI first; `nics` maps each MAC to its OS
/// interface name. Partial or contradictory metadata raises `PlanError` naming the key paths.
#[pyfunction]
fn plans_from_metadata(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    nics: std::collections::BTreeMap<String, String>,
) -> PyResult<Py<PyAny>> {
    let text = json_text(py, document)?;
    let plans = eniplan::plans_from_metadata(&text, &nic_names(py, &nics)?)
        .map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &plans)
}

/// The instance metadata of `cloud`'s service (`aliyun`, `aws`, `azure`; `auto`: told by the
/// DMI values under `root`, then by the service that answers) at `base` (the provider's own
/// address when `None`), as the document `plans_from_metadata` takes (JSON
/// text): the provider's token flow, `timeout` seconds per request, `attempts` tries. A
/// service that does not answer in full raises `MetadataError` naming the key: nothing partial
/// is returned.
#[pyfunction]
#[pyo3(signature = (cloud, base = None, timeout = 2.0, attempts = 3, root = "/"))]
fn fetch_metadata(
    py: Python<'_>,
    cloud: &str,
    base: Option<String>,
    timeout: f64,
    attempts: u32,
    root: &str,
) -> PyResult<String> {
    let provider = match cloud {
        "auto" => {
            py.detach(|| {
                eniplan::fetch::provider_of_host(std::path::Path::new(root), base.as_deref())
            })
            .map_err(|error| package_error(py, "MetadataError", &error.into()))?
            .provider
        }
        _ => eniplan::Provider::parse(cloud).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "unknown cloud {cloud:?}: aliyun, aws, azure or auto"
            ))
        })?,
    };
    let mut fetch = eniplan::fetch::Fetch::new(provider);
    if let Some(base) = base {
        fetch.base = base;
    }
    if timeout.is_finite() && timeout > 0.0 {
        fetch.timeout = std::time::Duration::from_secs_f64(timeout);
    }
    fetch.attempts = attempts.max(1);
    py.detach(|| fetch.document())
        .map_err(|errors| package_error(py, "MetadataError", &errors))
}

/// The provider whose DMI values the host under `root` carries (`aliyun`, `aws`, `azure`),
/// or `None`.
#[pyfunction]
fn provider_from_dmi(root: &str) -> Option<&'static str> {
    eniplan::fetch::provider_from_dmi(std::path::Path::new(root)).map(|p| p.name())
}

/// The same plans from a cloud API's output (text, dicts or lists): Alibaba Cloud's
/// `DescribeNetworkInterfaces` and `DescribeVSwitches`, EC2's `describe-network-interfaces` and
/// `describe-subnets`, or Azure's `az network nic list` and `az network vnet subnet list`
/// (`cloud`: `auto`, told by the output's shape, or `aliyun`, `aws`, `azure`), with what the
/// API does not say: `nics` (MAC → name), `gateways` (vSwitch or subnet → address; the key `*`
/// for every one; Alibaba Cloud needs them), `region` and, when the output holds several
/// instances, `instance`.
#[pyfunction]
#[pyo3(signature = (interfaces, vswitches, nics, gateways, region = None, instance = None, cloud = "auto"))]
// Python's keyword signature: each argument is one of the caller's facts.
#[allow(clippy::too_many_arguments)]
fn plans_from_api(
    py: Python<'_>,
    interfaces: &Bound<'_, PyAny>,
    vswitches: &Bound<'_, PyAny>,
    nics: std::collections::BTreeMap<String, String>,
    gateways: std::collections::BTreeMap<String, String>,
    region: Option<String>,
    instance: Option<String>,
    cloud: &str,
) -> PyResult<Py<PyAny>> {
    let mut context = eniplan::ApiContext {
        names: nic_names(py, &nics)?,
        region,
        instance,
        ..Default::default()
    };
    context.add_gateway_map(gateways.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let cloud = match cloud {
        "auto" => None,
        name => Some(eniplan::Provider::parse(name).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "unknown cloud {name:?}: aliyun, aws, azure or auto"
            ))
        })?),
    };
    let (_, plans) = eniplan::plans_from_cloud_api(
        &json_text(py, interfaces)?,
        &json_text(py, vswitches)?,
        cloud,
        &context,
    )
    .map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &plans)
}

/// The metadata items the core reads: (instance-wide, per ENI), for gathering them.
#[pyfunction]
fn metadata_items() -> (Vec<&'static str>, Vec<&'static str>) {
    (
        eniplan::METADATA_ITEMS.to_vec(),
        eniplan::METADATA_ENI_ITEMS.to_vec(),
    )
}

/// Renders every ENI of one instance (a list of plans, the primary ENI first) for one target
/// as one rendering; for a selection (`all`, `ecs-doc`, a list) see `render_many`.
#[pyfunction]
#[pyo3(signature = (plans, target, root = None))]
fn render_instance(
    py: Python<'_>,
    plans: &Bound<'_, PyAny>,
    target: &str,
    root: Option<std::path::PathBuf>,
) -> PyResult<Py<PyAny>> {
    // `render` takes an instance as well; this name stays for the callers that use it.
    render(py, plans, target, root)
}

fn target_of(py: Python<'_>, name: &str) -> PyResult<Target> {
    Target::parse(name).map_err(|error| plan_error(py, &error.into()))
}

/// The plan a host's files hold (`{path: text}`), read as `target`'s family reads them: a
/// dict with `plan`, `unread` (each line not understood: file, line, text, reason),
/// `warnings` and `files` (those read).
#[pyfunction]
#[pyo3(signature = (files, target, interface = None))]
fn read(
    py: Python<'_>,
    files: std::collections::BTreeMap<String, String>,
    target: &str,
    interface: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let reading = eniplan::read(&files, target_of(py, target)?, interface)
        .map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &reading)
}

/// Like `read`, for the files under `root` (as if it were `/`).
#[pyfunction]
#[pyo3(signature = (root, target, interface = None))]
fn read_host(
    py: Python<'_>,
    root: std::path::PathBuf,
    target: &str,
    interface: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let target = target_of(py, target)?;
    let files = eniplan::apply::host_files(&root, target.family())
        .map_err(|error| host_error(py, error))?;
    let reading =
        eniplan::read(&files, target, interface).map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &reading)
}

/// The plan `ip -j addr show` (with `ip -j route show`) holds for `interface`.
#[pyfunction]
#[pyo3(signature = (addresses, interface, routes = None))]
fn read_ip_json(
    py: Python<'_>,
    addresses: &Bound<'_, PyAny>,
    interface: &str,
    routes: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let routes = routes.map(|r| json_text(py, r)).transpose()?;
    let reading = eniplan::read_ip_json(&json_text(py, addresses)?, routes.as_deref(), interface)
        .map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &reading)
}

/// Every field in which `found` (a plan read back) differs from `plan`, for `target`'s
/// family: a list of `{field, planned, found}`; empty when the host matches.
#[pyfunction]
fn drift(
    py: Python<'_>,
    plan: &Bound<'_, PyAny>,
    found: &Bound<'_, PyAny>,
    target: &str,
) -> PyResult<Py<PyAny>> {
    let planned = read_plan(py, plan)?;
    planned
        .validate()
        .map_err(|errors| plan_error(py, &errors))?;
    let found = read_plan(py, found)?;
    let target = target_of(py, target)?;
    to_python(py, &eniplan::drift(&planned, &found, target.family()))
}

/// Migration: the files (`{path: text}`) read as `source`'s family, rendered for
/// `destination`, with the files read in `delete`.
#[pyfunction]
#[pyo3(signature = (files, source, destination, interface = None))]
fn convert(
    py: Python<'_>,
    files: std::collections::BTreeMap<String, String>,
    source: &str,
    destination: &str,
    interface: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let (_, rendering) = eniplan::convert(
        &files,
        target_of(py, source)?,
        target_of(py, destination)?,
        interface,
    )
    .map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &rendering)
}

/// A rendering given as the dict the render functions return.
fn read_rendering(rendering: &Bound<'_, PyAny>) -> PyResult<eniplan::Rendering> {
    depythonize::<eniplan::Rendering>(rendering)
        .map_err(|error| PyTypeError::new_err(format!("not a rendering: {error}")))
}

/// Raises `eniplan.apply.UnsafePath` (an `eniplan.Error`) for a rendering that cannot be
/// applied under the root, with the core's message.
fn apply_error(py: Python<'_>, error: &eniplan::apply::ApplyError) -> PyErr {
    match py
        .import("eniplan.apply")
        .and_then(|module| module.getattr("UnsafePath"))
        .and_then(|class| class.call1((error.to_string(),)))
    {
        Ok(instance) => PyErr::from_value(instance),
        Err(error) => error,
    }
}

/// What applying a rendering under `root` would change, file by file (`eniplan::apply`).
#[pyfunction]
fn apply_changes(
    py: Python<'_>,
    rendering: &Bound<'_, PyAny>,
    root: std::path::PathBuf,
) -> PyResult<Py<PyAny>> {
    let rendering = read_rendering(rendering)?;
    match eniplan::apply::changes(&rendering, &root) {
        Ok(changes) => to_python(py, &changes),
        Err(error) => Err(apply_error(py, &error)),
    }
}

/// Writes a rendering under `root` (`eniplan::apply`): the files that differ, the stale
/// files deleted, with backups when asked.
#[pyfunction]
#[pyo3(signature = (rendering, root, backup=false))]
fn apply(
    py: Python<'_>,
    rendering: &Bound<'_, PyAny>,
    root: std::path::PathBuf,
    backup: bool,
) -> PyResult<Py<PyAny>> {
    let rendering = read_rendering(rendering)?;
    match eniplan::apply::apply(&rendering, &root, eniplan::apply::Options { backup }) {
        Ok(outcome) => to_python(py, &outcome),
        Err(error) => Err(apply_error(py, &error)),
    }
}

/// The target of the network stack the host under `root` runs (`--os auto`): a dict with
/// `target` and `evidence` (what was found, in words). `os_release` replaces the root's
/// os-release text when given; `distribution` and `version` (Ansible's facts, Salt's grains)
/// stand in for a root without one. Contradicting evidence raises `PlanError` listing it.
#[pyfunction]
#[pyo3(signature = (root = std::path::PathBuf::from("/"), os_release = None, distribution = None, version = None))]
fn detect(
    py: Python<'_>,
    root: std::path::PathBuf,
    os_release: Option<String>,
    distribution: Option<String>,
    version: Option<String>,
) -> PyResult<Py<PyAny>> {
    let mut evidence = eniplan::apply::evidence(&root).map_err(|error| host_error(py, error))?;
    if os_release.is_some() {
        evidence.os_release = os_release;
    }
    if let Some(distribution) = distribution {
        evidence.distribution = Some((distribution, version.unwrap_or_default()));
    }
    let detection = eniplan::detect(&evidence).map_err(|errors| plan_error(py, &errors))?;
    to_python(py, &detection)
}

/// Renders a plan (or an instance) for a host known by its snapshot (what `eniplan snapshot`
/// prints there, as text or a dict): `target` a name or `auto` (the stack the snapshot's host
/// runs), merged with its files as a rendering on the host itself would be. Returns
/// `{"rendering": …, "detection": {target, evidence} or None}`. What an Ansible controller
/// renders with for a managed host that has no eniplan.
#[pyfunction]
#[pyo3(signature = (plan, target, snapshot, distribution = None, version = None))]
fn render_on_snapshot(
    py: Python<'_>,
    plan: &Bound<'_, PyAny>,
    target: &str,
    snapshot: &Bound<'_, PyAny>,
    distribution: Option<String>,
    version: Option<String>,
) -> PyResult<Py<PyAny>> {
    let plans = read_plans(py, plan)?;
    let mut host: eniplan::HostSnapshot =
        serde_json::from_str(&json_text(py, snapshot)?).map_err(|error| {
            plan_error(
                py,
                &eniplan::Error::Syntax {
                    field: "snapshot".into(),
                    message: format!("not what `eniplan snapshot` prints: {error}"),
                }
                .into(),
            )
        })?;
    if let (None, Some(distribution)) = (&host.evidence.os_release, distribution) {
        host.evidence.distribution = Some((distribution, version.unwrap_or_default()));
    }
    let (rendering, detection) = eniplan::render_on_snapshot(&plans, target, &host)
        .map_err(|errors| plan_error(py, &errors))?;
    to_python(
        py,
        &serde_json::json!({ "rendering": rendering, "detection": detection }),
    )
}

/// Puts back what the write that made backup `set` changed under `root`
/// (`eniplan::apply::restore`): the old files byte for byte, the created ones deleted.
#[pyfunction]
fn restore(
    py: Python<'_>,
    root: std::path::PathBuf,
    set: std::path::PathBuf,
) -> PyResult<Py<PyAny>> {
    match eniplan::apply::restore(&root, &set) {
        Ok(restored) => to_python(py, &restored),
        Err(error) => Err(apply_error(py, &error)),
    }
}

/// The backup sets under `root`, oldest first.
#[pyfunction]
fn backup_sets(py: Python<'_>, root: std::path::PathBuf) -> PyResult<Vec<String>> {
    match eniplan::apply::backup_sets(&root) {
        Ok(sets) => Ok(sets
            .into_iter()
            .map(|set| set.to_string_lossy().into_owned())
            .collect()),
        Err(error) => Err(apply_error(py, &error)),
    }
}

/// The target a request names, `auto` resolved from the host under `root`.
fn engine_target(py: Python<'_>, target: &str, root: &std::path::Path) -> PyResult<Target> {
    let name = if target == "auto" {
        let evidence = eniplan::apply::evidence(root).map_err(|error| host_error(py, error))?;
        eniplan::resolve_auto(target, &evidence)
            .map_err(|errors| plan_error(py, &errors))?
            .0
    } else {
        target.to_string()
    };
    target_of(py, &name)
}

/// An engine error as Python's: an invalid plan is a `PlanError`, anything else (another
/// apply pending, nothing to confirm or roll back, a host that cannot be read) an
/// `eniplan.apply.Refused`, raised by the Python side from this `RuntimeError`'s message.
fn engine_error(py: Python<'_>, error: eniplan::engine::EngineError) -> PyErr {
    match error {
        eniplan::engine::EngineError::Invalid(errors) => plan_error(py, &errors),
        other => pyo3::exceptions::PyRuntimeError::new_err(other.to_string()),
    }
}

/// Applies a plan (or an instance) to the running host (`eniplan::engine::apply`): the report
/// as a dict (`outcome`: `unchanged`, `applied`, `rolled_back`, `rollback_failed`) with its
/// `exit_status`. With `dry_run`, what would change, and nothing changes.
#[pyfunction]
#[pyo3(signature = (plan, target, root, settle = 20, confirm_within = None, dry_run = false))]
fn engine_apply(
    py: Python<'_>,
    plan: &Bound<'_, PyAny>,
    target: &str,
    root: std::path::PathBuf,
    settle: u64,
    confirm_within: Option<u64>,
    dry_run: bool,
) -> PyResult<Py<PyAny>> {
    let plans = read_plans(py, plan)?;
    let target = engine_target(py, target, &root)?;
    let mut request = eniplan::engine::Request::new(plans, target, root);
    request.settle = std::time::Duration::from_secs(settle);
    request.confirm_within = confirm_within.map(std::time::Duration::from_secs);
    // The timer outlives this interpreter's caller: the same Python runs it.
    let python: String = py.import("sys")?.getattr("executable")?.extract()?;
    request.timer = Some(vec![
        python,
        "-m".into(),
        "eniplan.apply".into(),
        "await-confirm".into(),
    ]);
    if dry_run {
        let preview = py
            .detach(|| eniplan::engine::preview(&request))
            .map_err(|error| engine_error(py, error))?;
        return to_python(py, &preview.shown());
    }
    let report = py
        .detach(|| eniplan::engine::apply(&request))
        .map_err(|error| engine_error(py, error))?;
    report_to_python(py, &report)
}

fn report_to_python(py: Python<'_>, report: &eniplan::engine::Report) -> PyResult<Py<PyAny>> {
    to_python(py, &report.shown())
}

/// The confirmation timer of the apply `id` under `root` (`eniplan::engine::await_confirmation`):
/// waits, rolls back when no confirmation came. Whether it rolled back.
#[pyfunction]
fn engine_await(py: Python<'_>, root: std::path::PathBuf, id: String) -> bool {
    py.detach(|| eniplan::engine::await_confirmation(&root, &id).is_some())
}

/// Keeps the change of an apply made with `confirm_within` (`eniplan::engine::confirm`).
#[pyfunction]
fn engine_confirm(py: Python<'_>, root: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    let journal = eniplan::engine::confirm(&root).map_err(|error| engine_error(py, error))?;
    to_python(py, &journal)
}

/// Rolls back the pending or the last apply under `root` (`eniplan::engine::rollback`).
#[pyfunction]
fn engine_rollback(py: Python<'_>, root: std::path::PathBuf) -> PyResult<Py<PyAny>> {
    let report = py
        .detach(|| eniplan::engine::rollback(&root))
        .map_err(|error| engine_error(py, error))?;
    report_to_python(py, &report)
}

#[pymodule]
fn _eniplan(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Problem>()?;
    module.add_function(wrap_pyfunction!(render, module)?)?;
    module.add_function(wrap_pyfunction!(render_many, module)?)?;
    module.add_function(wrap_pyfunction!(render_change, module)?)?;
    module.add_function(wrap_pyfunction!(render_absent, module)?)?;
    module.add_function(wrap_pyfunction!(render_example, module)?)?;
    module.add_function(wrap_pyfunction!(render_seed_example, module)?)?;
    module.add_function(wrap_pyfunction!(validate, module)?)?;
    module.add_function(wrap_pyfunction!(targets, module)?)?;
    module.add_function(wrap_pyfunction!(target_for, module)?)?;
    module.add_function(wrap_pyfunction!(apply_changes, module)?)?;
    module.add_function(wrap_pyfunction!(plan_schema, module)?)?;
    module.add_function(wrap_pyfunction!(apply, module)?)?;
    module.add_function(wrap_pyfunction!(restore, module)?)?;
    module.add_function(wrap_pyfunction!(engine_apply, module)?)?;
    module.add_function(wrap_pyfunction!(engine_confirm, module)?)?;
    module.add_function(wrap_pyfunction!(engine_await, module)?)?;
    module.add_function(wrap_pyfunction!(engine_rollback, module)?)?;
    module.add_function(wrap_pyfunction!(detect, module)?)?;
    module.add_function(wrap_pyfunction!(render_on_snapshot, module)?)?;
    module.add_function(wrap_pyfunction!(backup_sets, module)?)?;
    module.add_function(wrap_pyfunction!(plans_from_metadata, module)?)?;
    module.add_function(wrap_pyfunction!(metadata_items, module)?)?;
    module.add_function(wrap_pyfunction!(fetch_metadata, module)?)?;
    module.add_function(wrap_pyfunction!(provider_from_dmi, module)?)?;
    module.add_function(wrap_pyfunction!(plans_from_api, module)?)?;
    module.add_function(wrap_pyfunction!(render_instance, module)?)?;
    module.add_function(wrap_pyfunction!(read, module)?)?;
    module.add_function(wrap_pyfunction!(read_host, module)?)?;
    module.add_function(wrap_pyfunction!(read_ip_json, module)?)?;
    module.add_function(wrap_pyfunction!(drift, module)?)?;
    module.add_function(wrap_pyfunction!(convert, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
