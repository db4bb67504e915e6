"""A sandboxed Lua for the distribution's ``%{lua:...}`` macros (``%forgemeta``, ``%gometa``…).

Fedora's and openEuler's macro files compute Name, URL and Source0 of Go, forge-hosted and
Python packages in Lua (``%forgemeta``, ``%gometa``, ``%goname``, ``%pypi_source``,
``%python_provide``…). Steward runs those bodies as written, in Lua 5.4 through ``lupa``,
inside a sandbox a spec cannot leave:

* the code sees only ``string``, ``table``, ``math``, the pure base functions (``pairs``,
  ``tostring``, ``pcall``…), ``print`` (which appends to the macro's output, as in rpm) and
  rpm's API: ``rpm.expand``, ``rpm.define``, ``rpm.undefine``, ``rpm.isdefined``,
  ``rpm.vercmp``, ``rpm.interp`` (always ``"lua"`` here), the ``macros`` table and the
  ``opt``/``arg`` tables of a parametric call. ``io``, ``os``, ``load``, ``require``,
  ``debug``, ``package``, ``string.dump`` and ``collectgarbage`` are not there;
* ``rpm.expand`` goes through Steward's own macro engine, which never runs ``%(...)``;
* every call is bounded: an instruction budget (a count hook), a memory ceiling for the whole
  interpreter (lupa's ``max_memory``) and a cap on printed output;
* Python objects never reach Lua: the API is made of Lua closures over the Python callbacks,
  and lupa's attribute filter refuses every attribute access besides.

Layering: ``steward.rpm`` imports the standard library only, so the engine has just a hook
(:attr:`steward.rpm.macros.MacroEngine.lua`); this module, in ``distro/`` beside the profiles
that load the macro files, plugs the interpreter in. Without ``lupa`` installed, Lua stays
unexpanded with its diagnostic, as before.

>>> from steward.rpm.macros import MacroEngine
>>> engine = MacroEngine()
>>> attach_lua(engine)
True
>>> engine.expand("%{lua: rpm.define('x 1') print(rpm.expand('%{x}') .. string.upper('a'))}")
'1A'
>>> engine.expand("%{lua: io.open('/etc/passwd')}") == "%{lua: io.open('/etc/passwd')}"
True
"""

from __future__ import annotations

import threading
from typing import Any

from steward.rpm.macros import MacroEngine
from steward.rpm.version import rpmvercmp

__all__ = ["LuaSandbox", "attach_lua", "lua_available"]

MAX_MEMORY = 64 * 1024 * 1024
MAX_INSTRUCTIONS = 20_000_000
MAX_PRINTED = 1024 * 1024

# Runs once per interpreter, with the full standard library still at hand. It returns the
# one function Python calls: run(code, api, opt, arg) -> ok, output-or-error.
_SETUP = r"""
local py_expand, py_define, py_undefine, py_isdefined, py_vercmp, max_steps, max_printed = ...
local load, sethook, pcall, error = load, debug.sethook, pcall, error
local tostring, type, select = tostring, type, select
local concat = table.concat

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end
local safe_string = copy(string)
safe_string.dump = nil
-- Strings index the safe copy, so ("").dump is gone too.
getmetatable("").__index = safe_string
local safe_table, safe_math = copy(table), copy(math)
safe_math.random, safe_math.randomseed = nil, nil

local base = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type, unpack = table.unpack,
  xpcall = xpcall, rawequal = rawequal, rawlen = rawlen, _VERSION = _VERSION,
}

local depth = 0

return function(code, opt, arg)
  local out, size = {}, 0
  local env = copy(base)
  env.string, env.table, env.math = safe_string, safe_table, safe_math
  env.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    local text = concat(parts, "\t")
    size = size + #text
    if size > max_printed then error("printed output exceeds " .. max_printed .. " bytes") end
    out[#out + 1] = text
  end
  env.rpm = {
    expand = function(s) return py_expand(tostring(s)) end,
    define = function(s) py_define(tostring(s)) end,
    undefine = function(s) py_undefine(tostring(s)) end,
    isdefined = function(s) return py_isdefined(tostring(s)) end,
    vercmp = function(a, b) return py_vercmp(tostring(a), tostring(b)) end,
    interp = function() return "lua" end,
  }
  env.macros = setmetatable({}, {
    __index = function(_, name) return py_expand("%{?" .. tostring(name) .. "}") end,
    __newindex = function(_, name, value) py_define(tostring(name) .. " " .. tostring(value)) end,
  })
  env.opt, env.arg = opt, arg
  env._G = env
  local fn, err = load(code, "=%{lua}", "t", env)
  if not fn then return false, err end
  depth = depth + 1
  if depth == 1 then
    local function stop() error("instruction budget of " .. max_steps .. " exhausted") end
    sethook(stop, "", max_steps)
  end
  local ok, res = pcall(fn)
  depth = depth - 1
  if depth == 0 then sethook() end
  if not ok then return false, tostring(res) end
  return true, concat(out)
end
"""


def lua_available() -> bool:
    """True when ``lupa`` (Lua 5.4) can be imported."""
    try:
        import lupa.lua54  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def _refuse_attributes(obj: object, name: object, is_setting: bool) -> object:
    raise AttributeError("Python attributes are not reachable from spec Lua")


class LuaSandbox:
    """One Lua interpreter; :meth:`__call__` is a :data:`steward.rpm.macros.LuaRunner`.

    The engine in use is kept per thread, so the callbacks reach the engine whose
    expansion called Lua (macro expansion re-enters Python from Lua and back).
    """

    def __init__(
        self,
        *,
        max_memory: int = MAX_MEMORY,
        max_instructions: int = MAX_INSTRUCTIONS,
        max_printed: int = MAX_PRINTED,
    ) -> None:
        import lupa.lua54 as lua

        self._lua_error: tuple[type[BaseException], ...] = (lua.LuaError, lua.LuaMemoryError)
        self._runtime = lua.LuaRuntime(
            max_memory=max_memory,
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_refuse_attributes,
        )
        self._state = threading.local()
        self._lock = threading.RLock()
        setup = self._runtime.execute(_SETUP, *self._callbacks(), max_instructions, max_printed)
        self._run: Any = setup

    def _callbacks(self) -> tuple[Any, ...]:
        def engine() -> tuple[MacroEngine, int]:
            stack: list[tuple[MacroEngine, int]] = self._state.stack
            return stack[-1]

        def expand(text: str) -> str:
            eng, depth = engine()
            return eng.expand_nested(text, depth)

        def define(text: str) -> None:
            eng, _ = engine()
            eng.define_text(text, origin="lua")

        def undefine(name: str) -> None:
            engine()[0].undefine(name.strip())

        def isdefined(name: str) -> tuple[bool, bool]:
            macro = engine()[0].lookup(name.strip()) if name.strip() else None
            return macro is not None, bool(macro and macro.parametric)

        def vercmp(a: str, b: str) -> int:
            return rpmvercmp(a, b)

        return expand, define, undefine, isdefined, vercmp

    def __call__(self, engine: MacroEngine, code: str, depth: int) -> str | None:
        options, args = engine.frame_arguments()
        with self._lock:
            stack = getattr(self._state, "stack", None)
            if stack is None:
                stack = self._state.stack = []
            stack.append((engine, depth))
            try:
                table = self._runtime.table_from
                ok, output = self._run(code, table(options), table(args))
            except self._lua_error as exc:
                ok, output = False, str(exc)
            except RecursionError:
                ok, output = False, "Python recursion limit"
            finally:
                stack.pop()
        if ok:
            return str(output)
        engine.diagnostics.append(
            _diagnostic(engine, f"lua macro failed in Steward's sandbox: {_short(str(output))}")
        )
        return None


def _diagnostic(engine: MacroEngine, message: str) -> Any:
    from steward.rpm.model import Diagnostic

    return Diagnostic(engine.line, "warning", "lua-error", message)


def _short(text: str) -> str:
    return text if len(text) <= 160 else text[:157] + "..."


_SHARED: list[LuaSandbox] = []


def attach_lua(engine: MacroEngine) -> bool:
    """Give ``engine`` (and its later copies) the shared sandbox; False without ``lupa``."""
    if not lua_available():
        return False
    if not _SHARED:
        _SHARED.append(LuaSandbox())
    engine.lua = _SHARED[0]
    return True
