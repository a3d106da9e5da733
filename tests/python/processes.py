"""Processes a test starts (servers, the installed console scripts): started until they say a
line, stopped with Ctrl+C, waited for with what they said shown when they do not end."""

import re
import signal
import subprocess
import threading


def started(command: list[str], env: dict[str, str], pattern: str) -> tuple[subprocess.Popen, str]:
    """Start `command` and read its standard error until a line matches `pattern`; the process
    (its standard error read on by a thread, into `process.said`, so that it never blocks on a
    full pipe) and the match's first group."""
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    assert process.stderr is not None
    lines: list[str] = []
    process.said = lines  # type: ignore[attr-defined]
    for line in process.stderr:
        lines.append(line)
        if match := re.search(pattern, line):
            reader = threading.Thread(target=lambda: lines.extend(process.stderr), name="stderr", daemon=True)
            reader.start()
            process.reader = reader  # type: ignore[attr-defined]
            return process, match.group(1)
    process.wait(timeout=30)
    raise AssertionError(f"{command} ended ({process.returncode}) without {pattern!r}: {''.join(lines)}")


def stopped(process: subprocess.Popen) -> int:
    """Ctrl+C the process and return its exit status (what it said on standard error in the
    failure's message when it does not end)."""
    process.send_signal(signal.SIGINT)
    return ended(process)


def ended(process: subprocess.Popen) -> int:
    """The process's exit status once it ends (what it said on standard error in the failure's
    message when it does not within a minute)."""
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{process.args} did not end; it said: {''.join(process.said)[-4000:]}") from None  # type: ignore[attr-defined]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.reader.join(timeout=30)  # type: ignore[attr-defined]
        if process.stderr is not None:
            process.stderr.close()
