"""Renders cases.json the way transformers does (Python jinja2, ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, its tojson/raise_exception/strftime_now), printing the
same JSON as render.mjs. Used to find where @huggingface/jinja differs from Python jinja2; those
cases are kept, with Python's render, in python-overrides.json:
    python3 tools/chat-template-reference/render_jinja2.py --overrides > tools/chat-template-reference/python-overrides.json
Needs `pip install jinja2` (3.1.x) and, for --overrides, node with tools/setup-test-deps.sh done."""
import json, os, subprocess, sys
from datetime import datetime
import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

here = os.path.dirname(os.path.abspath(__file__))
npm_root = os.path.join(here, "..", "..", "tests", "fixtures", "npm", "node_modules")


class RaisedByTemplate(Exception):
    pass


def raise_exception(message):
    raise RaisedByTemplate(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now


def load(entry):
    if "file" in entry:
        with open(os.path.join(here, entry["file"]), encoding="utf-8") as f:
            return f.read(), entry.get("bos_token"), entry.get("eos_token")
    with open(os.path.join(npm_root, entry["npm"]), encoding="utf-8") as f:
        config = json.load(f)
    token = lambda t: t if t is None or isinstance(t, str) else t["content"]
    return config["chat_template"], token(config.get("bos_token")), token(config.get("eos_token"))


def render_all():
    with open(os.path.join(here, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for entry in cases["templates"]:
        source, bos, eos = load(entry)
        template = env.from_string(source)
        for conversation in cases["conversations"]:
            for add_generation_prompt in (False, True):
                items = {"messages": conversation["messages"], "add_generation_prompt": add_generation_prompt, "tools": None}
                if bos is not None:
                    items["bos_token"] = bos
                if eos is not None:
                    items["eos_token"] = eos
                if "tools" in conversation:
                    items["tools"] = conversation["tools"]
                items.update(conversation.get("extra", {}))
                result = {"template": entry["name"], "conversation": conversation["name"], "add_generation_prompt": add_generation_prompt}
                try:
                    result["output"] = template.render(**items)
                except RaisedByTemplate as e:
                    result["raised"] = str(e)
                except Exception as e:
                    result["error"] = f"{type(e).__name__}: {e}"
                results.append(result)
    return results


def outcome(r):
    return ("output", r["output"]) if "output" in r else ("raised", r["raised"]) if "raised" in r else ("error", None)


if __name__ == "__main__":
    python = render_all()
    if "--overrides" not in sys.argv:
        json.dump(python, sys.stdout, ensure_ascii=False, indent=1)
        sys.exit(0)
    node = json.loads(subprocess.run(["node", os.path.join(here, "render.mjs")], capture_output=True, check=True, text=True).stdout)
    differing = [p | {"huggingface_jinja": n.get("output", n.get("raised", n.get("error")))}
                 for p, n in zip(python, node) if outcome(p) != outcome(n)]
    json.dump(differing, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
