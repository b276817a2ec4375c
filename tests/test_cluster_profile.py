"""The SLURM profile (workflow/profiles/slurm): every rule has resources, and the workflow plans
under it without a cluster. Opt-in (`pytest -m slurm`, root and the Debian SLURM packages
needed): a single-node SLURM started in a temporary directory runs the workflow through it.

docs/cluster.md explains the profile and how to run the opt-in test.
"""

import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "workflow" / "profiles" / "slurm" / "config.v8+.yaml"
# `rule all` has no action: Snakemake finishes it on the submitting machine, never in SLURM.
TARGET_RULES = {"all"}
PER_RULE_RESOURCES = {"runtime", "mem_mb", "cpus_per_task"}
PLACEHOLDERS = {
    "slurm_account": "<your-slurm-account>",
    "slurm_partition": "<your-slurm-partition>",
}
# Rules that run once per cohort.
PER_COHORT_RULES = [
    "validate_cohort", "results_table", "disclosure_gate", "render_internal", "render_release",
]
SLURM_COMMANDS = ["sbatch", "srun", "squeue", "sacct", "sinfo", "scontrol", "sacctmgr",
                  "sshare", "scancel"]


def _profile() -> dict:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))




def _snakemake(workdir: Path, *args: str, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir, env=env, capture_output=True, text=True, check=False, timeout=timeout,
    )


def _cohorts(workdir: Path) -> list[str]:
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text(encoding="utf-8"))
    return sorted(config["cohorts"])


def job_counts(output: str) -> Counter:
    """The "Job stats" table Snakemake prints before running (or dry-running) a workflow."""
    table = re.search(r"^Job stats:\n.*?\n-+ +-+\n(.*?)^total +\d+", output,
                      flags=re.MULTILINE | re.DOTALL)
    assert table, output[-3000:]
    return Counter({rule: int(count) for rule, count in
                    re.findall(r"^(\w+) +(\d+)$", table.group(1), flags=re.MULTILINE)})


def planned_resources(output: str) -> list[tuple[str, dict[str, str]]]:
    """Each planned job of a dry run: its rule and the resources Snakemake would request."""
    jobs = []
    for block in re.split(r"^\[.*\]\n(?=rule |localrule )", output, flags=re.MULTILINE)[1:]:
        rule = re.match(r"(?:local)?rule (\w+):", block).group(1)
        line = re.search(r"^ +resources: (.*)$", block, flags=re.MULTILINE)
        pairs = line.group(1).split(", ") if line else []
        jobs.append((rule, dict(pair.split("=", 1) for pair in pairs)))
    return jobs


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def workflow_rules(project) -> set[str]:
    result = _snakemake(project, "--list-rules")
    assert result.returncode == 0, result.stderr[-3000:]
    return set(result.stdout.split())


def test_job_counts_and_resources_are_read_from_snakemake_dry_run_output():
    sample = (
        "Job stats:\njob              count\n---------------  -------\nvalidate_cohort        2\n"
        "all                    1\ntotal                  3\n\n"
        "[Sun Nov 22 20:03:57 2026]\nrule validate_cohort:\n    jobid: 3\n"
        "    resources: tmpdir=/tmp, mem_mb=1000, mem=1 GB, slurm_account=<a>, runtime=10\n"
        "[Sun Nov 22 20:03:57 2026]\nlocalrule all:\n    jobid: 0\n"
    )
    assert job_counts(sample) == Counter({"validate_cohort": 2, "all": 1})
    assert planned_resources(sample) == [
        ("validate_cohort",
         {"tmpdir": "/tmp", "mem_mb": "1000", "mem": "1 GB", "slurm_account": "<a>",
          "runtime": "10"}),
        ("all", {}),
    ]


def test_every_rule_of_the_workflow_has_runtime_memory_and_cores_in_the_profile(
    workflow_rules,
):
    set_resources = _profile()["set-resources"]
    rules = workflow_rules - TARGET_RULES
    missing, unknown = sorted(rules - set(set_resources)), sorted(set(set_resources) - rules)
    assert not missing, f"rules without resources in {PROFILE.name}: {missing}"
    assert not unknown, f"{PROFILE.name} names rules the workflow does not have: {unknown}"
    for rule, resources in set_resources.items():
        assert set(resources) == PER_RULE_RESOURCES, rule
        assert all(isinstance(v, int) and v > 0 for v in resources.values()), rule
    assert TARGET_RULES <= workflow_rules


def test_the_profile_uses_the_slurm_executor_with_placeholders_for_account_and_partition():
    profile = _profile()
    assert profile["executor"] == "slurm"
    defaults = profile["default-resources"]
    # Placeholders, not a real account: each user sets their own (docs/cluster.md).
    assert {key: defaults[key] for key in PLACEHOLDERS} == PLACEHOLDERS
    assert PER_RULE_RESOURCES <= set(defaults)


@pytest.mark.workflow
def test_the_workflow_plans_every_job_under_the_profile_without_a_slurm_cluster(
    project, tmp_path
):
    # Stand-ins for every SLURM command, each failing: a dry run must need none of them.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    calls = tmp_path / "slurm_calls.log"
    for command in SLURM_COMMANDS:
        script = fake_bin / command
        script.write_text(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\nexit 1\n')
        script.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}

    slurm = _snakemake(project, "--profile", "workflow/profiles/slurm", "--dry-run", env=env)
    assert slurm.returncode == 0, slurm.stderr[-3000:]
    local = _snakemake(project, "--cores", "1", "--dry-run")
    assert local.returncode == 0, local.stderr[-3000:]

    counts = job_counts(slurm.stdout)
    assert counts == job_counts(local.stdout)
    cohorts = _cohorts(project)
    for rule in PER_COHORT_RULES:
        assert counts[rule] == len(cohorts), rule
    called = calls.read_text().splitlines() if calls.exists() else []
    assert not [line for line in called if line.startswith(("sbatch", "srun"))]

    set_resources = _profile()["set-resources"]
    jobs = planned_resources(slurm.stdout)
    assert Counter(rule for rule, _ in jobs) == counts
    for rule, resources in jobs:
        if rule in TARGET_RULES:
            continue
        expected = {key: str(value) for key, value in set_resources[rule].items()}
        assert {key: resources.get(key) for key in expected} == expected, rule
        assert {key: resources.get(key) for key in PLACEHOLDERS} == PLACEHOLDERS, rule


# --- Opt-in: a real single-node SLURM (pytest -m slurm) -------------------------------------

SLURM_DAEMONS = ["slurmctld", "slurmd"]
DEBIAN_PACKAGES = "slurmctld slurmd slurm-client"
PARTITION = "tahsb"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _memory_mb() -> int:
    meminfo = Path("/proc/meminfo").read_text()
    return int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, flags=re.MULTILINE).group(1)) // 1024


def slurm_conf(directory: Path, host: str, cpus: int, memory_mb: int) -> str:
    """A one-node cluster: no munge (auth/none), no accounting database, no cgroups. Memory is
    enforced all the same: slurmd sums the RSS of each job step's processes every second
    (jobacct_gather/linux) and kills a step over its job's --mem (OverMemoryKill), so a rule
    whose mem_mb in the profile is too low fails the test."""
    return f"""\
ClusterName=tahsb-test
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation={directory}/state
SlurmdSpoolDir={directory}/spool
SlurmctldPidFile={directory}/slurmctld.pid
SlurmdPidFile={directory}/slurmd.pid
SlurmctldLogFile={directory}/slurmctld.log
SlurmdLogFile={directory}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _missing_prerequisites() -> list[str]:
    missing = [name for name in SLURM_DAEMONS + SLURM_COMMANDS if shutil.which(name) is None]
    problems = [f"not installed: {', '.join(missing)} (apt-get install {DEBIAN_PACKAGES})"
                ] if missing else []
    if os.geteuid() != 0:
        problems.append("slurmd must run as root")
    return problems


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """slurmctld and slurmd in the foreground, configured in a temporary directory."""
    problems = _missing_prerequisites()
    if problems:  # asked for with -m slurm: missing prerequisites are a failure, not a skip
        pytest.fail("the opt-in SLURM test needs " + "; ".join(problems))
    directory = tmp_path_factory.mktemp("slurm")
    for sub in ["state", "spool", "bin"]:
        (directory / sub).mkdir()
    host = socket.gethostname().split(".")[0]
    largest_request = max(r["mem_mb"] for r in _profile()["set-resources"].values())
    memory_mb = int(_memory_mb() * 0.9)
    assert memory_mb >= largest_request, "the machine has less memory than a job asks for"
    conf = directory / "slurm.conf"
    conf.write_text(slurm_conf(directory, host, os.cpu_count(), memory_mb))
    # snakemake-executor-plugin-slurm-jobstep 0.6.1 drops every SLURM_* variable, SLURM_CONF
    # too, before calling srun inside a job; a real cluster keeps its configuration in
    # /etc/slurm, this one in a temporary directory, so srun gets it back here.
    srun = directory / "bin" / "srun"
    srun.write_text(f'#!/bin/sh\nSLURM_CONF="{conf}" exec "{shutil.which("srun")}" "$@"\n')
    srun.chmod(0o755)
    env = {**os.environ, "SLURM_CONF": str(conf),
           "PATH": f"{directory / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    daemons = [
        subprocess.Popen([shutil.which("slurmctld"), "-D", "-i", "-f", str(conf)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([shutil.which("slurmd"), "-D", "-f", str(conf)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline and state != "idle":
            time.sleep(1)
            state = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True,
                                   text=True, check=False).stdout.strip()
        assert state == "idle", f"node state {state!r}; see {directory}/slurm*.log"
        yield env
    finally:
        subprocess.run(["scancel", "--user", getpass.getuser()], env=env,
                       capture_output=True, check=False)
        for daemon in daemons:
            daemon.terminate()
        for daemon in daemons:
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()


def _scontrol_job(job_id: str, env) -> dict[str, str]:
    text = subprocess.run(["scontrol", "show", "job", job_id], env=env, capture_output=True,
                          text=True, check=True).stdout
    return dict(re.findall(r"(\S+?)=(\S*)", text))


def _minutes(time_limit: str) -> int:
    days, _, clock = time_limit.rpartition("-")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return (int(days or 0) * 24 + hours) * 60 + minutes + (seconds > 0)


@pytest.mark.slurm
def test_the_workflow_runs_through_the_profile_on_a_single_node_slurm(slurm_cluster, tmp_path):
    project = copy_project(tmp_path / "project")
    profile = _profile()
    # This cluster's settings, layered on the shipped profile as docs/cluster.md suggests.
    # No accounting database here, hence no account and job states from squeue.
    defaults = {**profile["default-resources"], "slurm_partition": PARTITION}
    del defaults["slurm_account"]
    local = tmp_path / "local-profile"
    local.mkdir()
    (local / "config.v8+.yaml").write_text(yaml.safe_dump({
        "default-resources": defaults,
        "slurm-status-command": "squeue",
        "slurm-init-seconds-before-status-checks": 2,
        "slurm-keep-successful-logs": True,
    }))

    result = _snakemake(project, "--profile", "workflow/profiles/slurm", "--profile",
                        str(local), env=slurm_cluster, timeout=1800)
    assert result.returncode == 0, result.stderr[-5000:]

    submitted = re.findall(
        r"^Job \d+ has been submitted with SLURM jobid (\d+) \(log: .*?/rule_(\w+)/",
        result.stderr, flags=re.MULTILINE)
    expected = job_counts(result.stderr) - Counter({rule: 1 for rule in TARGET_RULES})
    assert Counter(rule for _, rule in submitted) == expected
    for job_id, rule in submitted:
        job = _scontrol_job(job_id, slurm_cluster)
        wanted = profile["set-resources"][rule]
        assert job["JobState"] == "COMPLETED", (rule, job_id)
        assert job["Partition"] == PARTITION
        assert _minutes(job["TimeLimit"]) == wanted["runtime"], rule
        assert job["MinMemoryNode"] == f"{wanted['mem_mb']}M", rule
        assert job["CPUs/Task"] == str(wanted["cpus_per_task"]), rule
    for cohort in _cohorts(project):
        assert (project / "results" / "release" / cohort / "manifest.json").is_file()
        assert (project / "results" / "internal" / cohort / "report.html").is_file()
