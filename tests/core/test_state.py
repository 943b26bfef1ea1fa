"""The per-recording state machine: the rules both executors rely on."""

from bbb_migrate.contract import ExitCode
from bbb_migrate.state import (
    Action,
    Phase,
    RecordingState,
    Step,
    backoff_seconds,
    initial,
    next_step,
    publish_failed,
    published,
    render_admitted,
    render_finished,
    render_interrupted,
    render_lost,
    render_started,
    retry_failed,
)


def test_render_path_to_published():
    state = initial("rec-1", Action.RENDER)
    assert next_step(state, now=0) is Step.RENDER
    state = render_started(state, job_name="job-1", output_path="/out/rec-1.mp4")
    assert (state.phase, state.attempts, state.job_name) == (Phase.RENDERING, 1, "job-1")
    assert next_step(state, now=0) is Step.WAIT
    state = render_finished(state, ExitCode.OK, max_attempts=3, now=10)
    assert state.phase is Phase.RENDERED
    assert next_step(state, now=10) is Step.PUBLISH
    state = published(state)
    assert state.terminal and next_step(state, now=10) is Step.DONE


def test_publish_only_goes_straight_to_publish():
    state = initial("rec-2", Action.PUBLISH_ONLY)
    assert next_step(state, now=0) is Step.PUBLISH


def test_skip_is_terminal_with_reason():
    state = initial("rec-3", Action.SKIP, "no video or presentation playback")
    assert state.phase is Phase.SKIPPED and state.terminal
    assert state.reason == "no video or presentation playback"


def test_retryable_failure_backs_off_then_fails_after_attempts():
    state = render_started(initial("rec-4", Action.RENDER))
    state = render_finished(state, ExitCode.STALL, max_attempts=2, now=100)
    assert state.phase is Phase.PENDING and state.exit_class == "stall"
    assert state.not_before == 100 + backoff_seconds(1)
    assert next_step(state, now=101) is Step.WAIT
    assert next_step(state, now=state.not_before) is Step.RENDER
    state = render_started(state)
    state = render_finished(state, ExitCode.NETWORK, max_attempts=2, now=200)
    assert state.phase is Phase.FAILED
    assert "2 attempt" in state.reason and "network" in state.reason


def test_permanent_failure_is_not_retried():
    state = render_started(initial("rec-5", Action.DOWNLOAD))
    state = render_finished(state, ExitCode.NOT_FOUND, max_attempts=5, now=0,
                            message="playback page answered 404")
    assert state.phase is Phase.FAILED and state.attempts == 1
    assert state.reason == "not-found: playback page answered 404"


def test_unknown_exit_status_counts_as_crash():
    state = render_started(initial("rec-6", Action.RENDER))
    state = render_finished(state, 137, max_attempts=3, now=0)
    assert state.phase is Phase.PENDING and state.exit_class == "crash"


def test_lost_render_is_rendered_again_after_backoff():
    state = render_started(initial("rec-7", Action.RENDER), queued=True)
    assert state.phase is Phase.QUEUED
    assert render_admitted(state).phase is Phase.RENDERING
    lost = render_lost(state, max_attempts=3, now=100)
    assert lost.phase is Phase.PENDING and lost.attempts == 1 and lost.exit_class == "lost"
    assert lost.not_before == 100 + backoff_seconds(1)
    assert next_step(lost, now=101) is Step.WAIT


def test_losses_count_against_attempts():
    """Issue 12 item 6: ten losses in a row used to leave attempts=10 and still Pending."""
    state = initial("rec-9", Action.RENDER)
    for now in range(10):
        if state.terminal:
            break
        state = render_lost(render_started(state), max_attempts=3, now=now * 10_000)
    assert state.phase is Phase.FAILED and state.attempts == 3
    assert state.reason.startswith("lost after 3 attempt(s)")


def test_interruption_by_the_user_uses_no_attempt():
    state = render_started(render_started(initial("rec-10", Action.RENDER)))
    assert state.attempts == 2
    stopped = render_interrupted(state)
    assert stopped.phase is Phase.PENDING and stopped.attempts == 1
    assert next_step(stopped, now=0) is Step.RENDER  # no backoff either
    for _ in range(10):  # stopping and resuming for ever never fails the recording
        stopped = render_interrupted(render_started(stopped))
    assert stopped.phase is Phase.PENDING and stopped.attempts == 1


def test_publish_failure_retries_then_fails_and_retry_failed_republishes():
    state = render_finished(render_started(initial("rec-8", Action.RENDER)), 0,
                            max_attempts=3, now=0)
    state = publish_failed(state, "database unreachable", max_attempts=2, now=0)
    assert state.phase is Phase.RENDERED and next_step(state, now=0) is Step.WAIT
    state = publish_failed(state, "database unreachable", max_attempts=2, now=1000)
    assert state.phase is Phase.FAILED and state.reason == "publish: database unreachable"
    again = retry_failed(state)
    assert again.phase is Phase.RENDERED and again.publish_attempts == 0


def test_retry_failed_resets_render_failures():
    state = render_finished(render_started(initial("rec-9", Action.RENDER)), 20,
                            max_attempts=1, now=0)
    again = retry_failed(state)
    assert again.phase is Phase.PENDING and again.attempts == 0 and again.reason == ""


def test_round_trip_through_dict():
    state = render_started(initial("rec-10", Action.RENDER), job_name="j")
    data = state.to_dict()
    assert data["phase"] == "Rendering" and data["action"] == "render"
    assert RecordingState.from_dict({**data, "futureField": 1}) == state


def test_backoff_is_capped():
    assert backoff_seconds(1) == 30
    assert backoff_seconds(2) == 60
    assert backoff_seconds(50) == 900


def test_retry_delay_from_the_spec_sets_the_backoff():
    """``recorder.retryDelaySeconds`` is the first wait, doubled at each try, still capped."""
    assert backoff_seconds(1, 5) == 5 and backoff_seconds(3, 5) == 20
    assert backoff_seconds(50, 5) == 900
    assert backoff_seconds(2, 3600) == 3600  # a first wait above the cap is not shortened
    lost = render_lost(render_started(initial("rec-1", Action.RENDER), job_name="j"),
                       max_attempts=3, now=100, retry_delay=5)
    assert lost.not_before == 105
