"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis, in-process ASGI).

Every operation gets schema-valid and schema-invalid requests; every response must be
non-5xx, have a status the schema documents, and match the documented body. Bounded: a few
examples per operation, no deadline, no example database (≈ 20 s on 2 cores).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from api.app import create_app
from guideqa.config import Settings

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MAX_EXAMPLES = 15
CONTRACT_EXAMPLES = 10  # per operation and phase; the coverage phase adds its boundary cases


# The schema the app serves at /openapi.json. It depends only on the routes, so it is built at
# collection time (schemathesis parametrizes one test per operation from it); the requests go
# in-process to the app loaded on the real index below.
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())


@pytest.fixture(scope="module")
def fuzz_app(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    app_settings = real_settings.model_copy(
        update={
            "feedback_db": tmp_path_factory.mktemp("fuzz") / "feedback.sqlite3",
            "export_token": SecretStr("fuzz-export-token"),
            "rate_limit_per_minute": 0,  # the fuzzer is one client sending hundreds of requests
        }
    )
    return create_app(app_settings)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, fuzz_app):
    case.call_and_validate(checks=CHECKS, app=fuzz_app)


def test_fuzzed_schema_is_the_served_one(fuzz_app):
    from fastapi.testclient import TestClient

    served = TestClient(fuzz_app).get("/openapi.json").json()
    assert served["paths"].keys() == schema.raw_schema["paths"].keys()


def test_schemathesis_all_checks_find_no_failure(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The exact contract: `schemathesis run --checks all` (every phase: examples, coverage,
    fuzzing, stateful) against the real server over HTTP finds zero failures — no request the
    schema allows is rejected, none it forbids is accepted, every status is documented."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.live_api import running_api

    app_settings = real_settings.model_copy(
        update={
            "feedback_db": tmp_path_factory.mktemp("contract") / "feedback.sqlite3",
            "export_token": SecretStr("contract-export-token"),
            "rate_limit_per_minute": 0,
        }
    )
    cli = Path(sys.executable).parent / "schemathesis"
    with running_api(app_settings) as live:
        done = subprocess.run(
            [str(cli), "run", f"{live.url}/openapi.json", "--checks", "all",
             "-H", "Authorization: Bearer contract-export-token",
             "--max-examples", str(CONTRACT_EXAMPLES), "--seed", "1", "--generation-database", "none",
             "--no-color", "--suppress-health-check", "all"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path_factory.mktemp("schemathesis"),  # its cache
        )  # fmt: skip
    summary = done.stdout[done.stdout.rfind("SUMMARY") :] if "SUMMARY" in done.stdout else done.stdout[-3000:]
    print(summary)
    # Long generated payloads are cut so that the failing operation and check stay readable.
    report = "\n".join(line[:300] for line in done.stdout.splitlines())
    if done.returncode:
        full = tmp_path_factory.mktemp("schemathesis-report") / "stdout.txt"
        full.write_text(done.stdout, encoding="utf-8")
        report += f"\n(full report: {full})"
    assert done.returncode == 0, report[-8000:] + done.stderr[-2000:]
