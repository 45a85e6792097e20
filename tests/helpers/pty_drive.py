"""Drives a program under a pseudo-terminal for prompt tests (tests/reliability_e2e_test.ts).

usage: pty_drive.py SCRIPT_JSON PROGRAM ARGS...
SCRIPT_JSON is a list of [expect, send] pairs: wait (at most 20 s each) until `expect` appears in
the terminal output since the previous step, then type `send`. Afterwards reads until the program
exits (at most 20 s) and prints JSON {"transcript": ..., "code": ..., "steps": ...} on stdout.
Every wait is bounded; on a timeout the program is killed and the JSON says which step failed.
"""
import json, os, pty, select, signal, sys, time

steps = json.loads(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)

buf = b""
done_steps = 0
failed = None


def read_some(deadline):
    global buf
    left = deadline - time.time()
    if left <= 0:
        return False
    r, _, _ = select.select([fd], [], [], left)
    if not r:
        return False
    try:
        d = os.read(fd, 4096)
    except OSError:
        return None
    if not d:
        return None
    buf += d
    return True


pos = 0
for expect, send in steps:
    want = expect.encode()
    deadline = time.time() + 20
    while want not in buf[pos:]:
        if not read_some(deadline):
            failed = {"step": done_steps, "expected": expect}
            break
    if failed is not None:
        break
    pos = buf.index(want, pos) + len(want)
    # Let the program settle (echo mode switches happen right after the prompt is written).
    time.sleep(0.2)
    os.write(fd, send.encode())
    done_steps += 1

deadline = time.time() + 20
while failed is None:
    got = read_some(deadline)
    if got is None:
        break
    if got is False:
        failed = {"step": "exit", "expected": "program exit"}
        break
if failed is not None:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
print(json.dumps({"transcript": buf.decode("utf-8", "replace"), "code": code,
                  "steps": done_steps, "failed": failed}))
