#!/bin/sh
# Writes the large regression inputs of the depth and amplification bugs (review findings 4,
# 9, 10, 15, and the state files' deep JSON) into the seed corpora. Mutations never reach
# these sizes or constructs by themselves; the targets that hold them run their regression
# with -max_len=1048576 (MAX_LEN in tests/fuzz/CMakeLists.txt and targets_streams.cmake).
# Each file stays under 600 KB. Run from anywhere: tests/fuzz/make_depth_seeds.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$here/corpus" <<'EOF'
import io, os, sys, tarfile, zipfile

corpus = sys.argv[1]

def write(target, name, data):
    assert len(data) < 600 * 1024, (name, len(data))
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)

# Finding 4: a control request nested 200 000 levels (copying it recursed until the stack
# overflowed); deep_args (150 000 levels in "args") was the first regression input.
n = 200_000
write("fuzz_control_request", "deep_args_200k", b'{"command":"state","module":"m","args":' + b"[" * n + b"]" * n + b"}")

# Finding 15: XML nested deeper than the stack allows. A well-formed document of 85 000
# levels (595 KB; 60 000 crashed), and 100 000 elements opened and never closed.
n = 85_000
write("fuzz_user_config", "deep_xml_85k.xml", b"<safe>" + b"<a>" * n + b"</a>" * n + b"</safe>\n")
n = 100_000
write("fuzz_user_config", "deep_xml_100k_open.xml", b"<safe>" + b"<a>" * n + b"\n")

# Finding 9: <macro> values that expand exponentially: each doubles the previous one, 40
# times (a terabyte expanded), in 2 KB.
macros = ['  <macro name="M0" value="0123456789abcdef"/>']
for i in range(1, 41):
    macros.append('  <macro name="M%d" value="%%M%d%%%%M%d%%"/>' % (i, i - 1, i - 1))
write("fuzz_user_config", "macro_doubling_40.xml",
      ("<safe>\n" + "\n".join(macros) + '\n  <service mode="mirror"><user><var name="X" value="%M40%"/></user></service>\n</safe>\n').encode())

# Finding 10: archive entry names of 100 000 components (pax header, 200 KB) and of 32 000
# (zip, 64 KB): keeping every prefix of such a name took memory quadratic in its depth.
deep = "/".join(["a"] * 100_000) + "/f"
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
    info = tarfile.TarInfo("conf/userconfig.xml")
    text = b"<safe/>\n"
    info.size = len(text)
    tar.addfile(info, io.BytesIO(text))
    info = tarfile.TarInfo(deep)
    info.size = 2
    tar.addfile(info, io.BytesIO(b"x\n"))
write("fuzz_module_archive", "deep_path_pax.tar", buffer.getvalue())
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as z:
    z.writestr("conf/userconfig.xml", "<safe/>\n")
    z.writestr("/".join(["d"] * 32_000) + "/f", "x\n")
write("fuzz_module_archive", "deep_path.zip", buffer.getvalue())

# State files read at start, nested 200 000 levels where one value is expected: the agent's
# record was copied and the checker settings dumped, both recursively.
n = 200_000
write("fuzz_local_state", "agent_state_deep", b'\x03{"state":' + b"[" * n + b"]" * n + b"}")
write("fuzz_local_state", "checker_settings_deep", b'\x05{"checker":' + b"[" * n + b"]" * n + b',"errd":"on"}')
EOF
