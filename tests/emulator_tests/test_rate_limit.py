"""Section 1: more than 35 requests in a sliding second answer 429, rejected ones counting too."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.emulator import running_emulator


@pytest.fixture
def limited():
    # Its own process: a burst must not share the window with other tests' requests.
    with running_emulator() as emulator:
        yield emulator


def burst(emulator, count):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _: emulator.api("GET", "/provisioning/v1"), range(count)))


def test_36th_request_in_a_second_is_429_without_retry_after(limited):
    started = time.monotonic()
    answers = burst(limited, 45)
    if time.monotonic() - started > 0.9:
        pytest.skip("the machine is too slow to send 45 requests within one second")
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] * 35 + [429] * 10
    rejected = next(answer for answer in answers if answer.status_code == 429)
    assert rejected.json()["status"] == 429 and rejected.json()["message"] == "Rate Limit Exceeded"
    assert "Retry-After" not in rejected.headers
    assert limited.clusters()  # the admin API is not limited
    time.sleep(1.05)
    assert limited.api("GET", "/provisioning/v1").status_code == 200


def test_rejected_requests_count_in_the_window(limited):
    started = time.monotonic()
    burst(limited, 35)
    first_done = time.monotonic()
    time.sleep(max(0.0, started + 0.4 - first_done))
    second = burst(limited, 40)  # all over the limit, yet each one counted
    if first_done - started > 0.35 or time.monotonic() - started > 0.95:
        pytest.skip("the machine is too slow for this timing")
    assert {answer.status_code for answer in second} == {429}
    time.sleep(max(0.0, first_done + 1.02 - time.monotonic()))
    # The 35 accepted requests have left the window; the 40 rejected ones have not.
    assert limited.api("GET", "/provisioning/v1").status_code == 429
    time.sleep(1.05)
    assert limited.api("GET", "/provisioning/v1").status_code == 200


def test_unauthenticated_requests_are_not_counted(limited):
    burst_bad = [limited.api("GET", "/provisioning/v1", auth=("x", "y")) for _request in range(40)]
    assert {answer.status_code for answer in burst_bad} == {401}
    assert limited.api("GET", "/provisioning/v1").status_code == 200
