"""The pure-text ``%(...)`` shell subset answers what real bash answers, and nothing more.

Each snippet is run by ``bash -c`` (our own, harmless strings) as the oracle and by
:func:`steward.rpm.shell.run_shell`, which must print the same (trailing newlines removed, as
rpm does). Snippets outside the subset must give ``None`` (left unexpanded), never a guess.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from steward.rpm.shell import run_shell

SUPPORTED = [
    "c=5e9be272f96e00f15a2f3c5f8ba7e124862aec38; echo ${c:0:7}",
    "c=5e9be272f96e00f1; echo ${c:0:8}",
    "c=abc; echo ${c:1} ${c: -2} ${c:0:-1} ${#c}",
    "v=1.2.3; echo ${v//./_} ${v/./-} ${v#1.} ${v%.3} ${u:-dflt} ${v:+set}",
    "echo 1.2.3 | cut -d. -f1-2",
    "echo 1.2.3 | cut -d. -f1,3",
    "echo 1.2.3 | cut -d . -f 3",
    "echo 1.2.3 | cut -d. -f2-",
    "echo 1.2 | cut -d. -f3",
    "cut -b -7 <<< 8ce9b7bc36a3d1c96b5e98f875",
    "cut -c2-4 <<<abcdef",
    'cut -d "." -f 1,2 <<<0.94.0',
    "echo 1.2.3 | sed 's/\\./_/g'",
    "echo v2.0.0-rc1 | sed -e 's/^v//' -e 's/-/./g'",
    "printf '%s' '1.32.12' | sed -n 's/^\\([1-9][0-9]*\\.[1-9][0-9]*\\)\\.[0-9][0-9]*$/\\1/p'",
    "printf '%s' '1.32' | sed -n 's/^\\([1-9][0-9]*\\.[1-9][0-9]*\\)\\.[0-9][0-9]*$/\\1/p'",
    "echo 1.2.3 | sed -E 's/([0-9]+)\\.([0-9]+)/\\2:\\1/'",
    "echo abc1.2 | sed 's/[[:digit:]]\\+/N/g;s/a/&&/'",
    "echo 'a/b' | sed 's|/|::|'",
    "echo 0.20.4 | awk -F. '{print $1\".\"$2}'",
    "echo 'gcc (GCC) 14.2.1' | awk '{print $3}' | awk -F '.' '{print $1}'",
    "echo a b c | awk '{print $NF, $1}'",
    "echo 48~alpha | tr '~' '.'",
    "tr . _ <<< 1.2.3",
    "echo Hello | tr '[:lower:]' '[:upper:]' | tr -d L",
    "echo aab | tr -s a",
    "printf '%s-%s\\n' a b c",
    "printf '%03d|%5s|%%\\n' 7 x",
    "echo -n x; echo y",
    "echo $((3*4+1)) $((7/2)) $((-7/2)) $((7%3)) $((2>1 && 0))",
    "x=5; echo $((x*2))",
    "[ a = a ] && echo yes || echo no",
    "[ a != a ] && echo yes || echo no",
    "test 5 -gt 3 && echo big; test -z '' && echo empty",
    '[ -n "" ] || echo unset',
    "true && false || echo fell",
    "echo $(echo a   b) `echo c`",
    'echo "$(echo "  spaced  ")"',
    "echo 'single $x' \"double $HOMEX\"",
    "echo 1.2.3 | head -1 | tail -n 1",
    "a=x b=y; echo $a$b",
    "echo {}",
    "echo a # comment",
]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("script", SUPPORTED)
def test_supported_snippet_prints_what_bash_prints(script: str) -> None:
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
        timeout=10,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert run_shell(script) == done.stdout.rstrip("\n")


@pytest.mark.parametrize(
    "script",
    [
        "rm -rf /tmp/x",
        "cat /etc/passwd",
        "echo x > /tmp/steward-should-not-exist",
        "echo x >> /tmp/steward-should-not-exist",
        "cut -d: -f1 < /etc/passwd",
        "[ -r /etc/passwd ] && echo readable",
        "eval 'echo hi'",
        "perl -V:version",
        "echo $(uname -r)",
        "ls *",
        "echo x &",
        "(echo sub)",
        "date +%Y",
        "sed -i 's/a/b/' file",
        "awk '{system(\"id\")}'",
        "sed 's/a/b/w /tmp/out'",
        "X=1 env",
        "cat 2>/dev/null; echo after",
    ],
)
def test_snippet_outside_the_subset_is_refused(script: str) -> None:
    assert run_shell(script) is None
