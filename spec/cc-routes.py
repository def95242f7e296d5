#!/usr/bin/env python3
"""Mines spec/cc-routes.tsv: the Cloud Controller's route table (v3 config/routes.rb, the v2
RestControllers, the root, /healthz) with the CC release each route first shipped in.

    git -C CC log --first-parent --reverse -p --format='COMMIT %H' --unified=0 \
        -- app/controllers lib/cloud_controller config/routes.rb > history.diff
    python3 spec/cc-routes.py CC spec/cc-routes.tsv history.diff

CC is a clone of cloudfoundry/cloud_controller_ng at the commit to read."""
import re, subprocess, sys, bisect

REPO = sys.argv[1]
OUT = sys.argv[2]


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], check=True, capture_output=True, text=True).stdout


def templ(path):
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", r"{\1}", path)


# ---------------------------------------------------------------- v3: config/routes.rb
SIMPLE = re.compile(r"""^\s*(get|post|put|patch|delete)\s+['"]([^'"]+)['"]\s*,\s*(?:to:|:to\s*=>)""")
RES = re.compile(r"^\s*resources\s+:(\w+)")
NS = re.compile(r"^\s*(?:namespace|scope)\s+[:'\"]?/?(\w+)['\"]?.*\bdo\b")
MEMBER_ROUTE = re.compile(r"^\s*(get|post|put|patch|delete)\s+:(\w+)")
ONLY = re.compile(r"only:\s*(?:%i\[([^\]]*)\]|\[([^\]]*)\])")
PARAM = re.compile(r"param:\s*:(\w+)")


def parse_routes_rb(text):
    """(method, path) -> line number, for a version of config/routes.rb (paths under /v3)."""
    routes = {}
    lines = text.split("\n")
    stack = []  # block kinds: ('ns', prefix) | ('res', base, param) | ('member',) | ('other',)
    i = 0
    pending_res = None
    while i < len(lines):
        raw = lines[i]
        line = raw.split("#", 1)[0] if not raw.strip().startswith("#") else ""
        n = i + 1
        i += 1
        if not line.strip():
            continue
        prefix = "".join("/" + s[1] for s in stack if s[0] == "ns")
        m = SIMPLE.match(line)
        if m:
            p = m.group(2)
            if not p.startswith("/"):
                p = "/" + p
            routes.setdefault((m.group(1).upper(), "/v3" + prefix + (p if p != "/" else "")), n)
            continue
        m = RES.match(line)
        if m:
            # gather continuation lines until 'do' or end of statement
            stmt = line
            while stmt.rstrip().endswith(",") and i < len(lines):
                stmt += " " + lines[i].split("#", 1)[0]
                i += 1
            name = m.group(1)
            pm = PARAM.search(stmt)
            param = pm.group(1) if pm else "id"
            om = ONLY.search(stmt)
            actions = None
            if om:
                actions = re.findall(r"\w+", om.group(1) or om.group(2))
            base = "/v3" + prefix + "/" + name
            member = base + "/{" + param + "}"
            table = {
                "index": [("GET", base)],
                "create": [("POST", base)],
                "show": [("GET", member)],
                "update": [("PATCH", member), ("PUT", member)],
                "destroy": [("DELETE", member)],
            }
            for act in actions if actions is not None else list(table):
                for r in table.get(act, []):
                    routes.setdefault(r, n)
            if re.search(r"\bdo\s*(\|.*\|)?\s*$", stmt):
                stack.append(("res", base, param))
            continue
        m = NS.match(line)
        if m:
            stack.append(("ns", m.group(1)))
            continue
        if re.match(r"^\s*member\s+do\s*$", line):
            stack.append(("member",))
            continue
        if re.match(r"^\s*collection\s+do\s*$", line):
            stack.append(("collection",))
            continue
        m = MEMBER_ROUTE.match(line)
        if m and stack:
            res = next((s for s in reversed(stack) if s[0] == "res"), None)
            if res:
                if stack[-1][0] == "member":
                    path = res[1] + "/{" + res[2] + "}/" + m.group(2)
                else:
                    path = res[1] + "/" + m.group(2)
                routes.setdefault((m.group(1).upper(), path), n)
            continue
        if re.match(r"^\s*end\s*$", line):
            if stack:
                stack.pop()
            continue
        if re.search(r"\bdo\s*(\|.*\|)?\s*$", line):
            stack.append(("other",))
    return routes


# ---------------------------------------------------------------- v2: RestControllers
V2_LINE = re.compile(r"""^\s*(get|post|put|patch|delete)\s+(path_guid|path|"[^"]*"|'[^']*')\s*(?:,|\bdo\b|$)""")


def underscore(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def parse_controller(text, roles):
    """[(method, path, line, kind)] for one controller file at HEAD."""
    out = []
    cm = re.search(r"class (\w+)Controller\b", text)
    if not cm:
        return out
    path_base = underscore(cm.group(1))
    pb = re.search(r"^\s*path_base\s+'([^']+)'", text, re.M)
    if pb:
        path_base = pb.group(1)
    path = "/v2/" + path_base
    sp = re.search(r"def self\.path\s*\n\s*\"#\{V2_ROUTE_PREFIX\}([^\"]+)\"", text)
    if sp:
        path = "/v2" + sp.group(1)
    pguid = path + "/:guid"
    lines = text.split("\n")
    role_loop = None
    for idx, line in enumerate(lines, 1):
        rl = re.match(r"^\s*VCAP::CloudController::Roles::(ORG|SPACE)_ROLE_NAMES\.each", line)
        if rl:
            role_loop = roles[rl.group(1)]
        m = V2_LINE.match(line)
        if m:
            expr = m.group(2)
            if expr == "path":
                p = path
            elif expr == "path_guid":
                p = pguid
            else:
                p = expr[1:-1].replace("#{path_guid}", pguid).replace("#{path}", path)
            if "#{plural_role}" in p:
                for r in role_loop or []:
                    out.append((m.group(1).upper(), p.replace("#{plural_role}", r + "s"), idx, "explicit"))
            else:
                out.append((m.group(1).upper(), p, idx, "explicit"))
        if re.match(r"^\s*define_routes\s*$", line):
            for meth, p in (("POST", path), ("GET", path), ("GET", pguid), ("PUT", pguid), ("DELETE", pguid)):
                out.append((meth, p, idx, "define_routes"))
            for tm in re.finditer(r"^[ \t]*to_many\s+:(\w+)(.*)$", text, re.M):
                name, opts = tm.group(1), tm.group(2)
                rf = re.search(r"route_for:\s*(?:%i\[([^\]]*)\]|\[([^\]]*)\]|:(\w+))", opts)
                verbs = ["get", "put", "delete"]
                if rf:
                    verbs = re.findall(r"\w+", rf.group(1) or rf.group(2) or rf.group(3))
                tline = text[: tm.start(1)].count("\n") + 1
                if "get" in verbs:
                    out.append(("GET", f"{pguid}/{name}", tline, "to_many"))
                if "put" in verbs:
                    out.append(("PUT", f"{pguid}/{name}/:other_id", tline, "to_many"))
                if "delete" in verbs:
                    out.append(("DELETE", f"{pguid}/{name}/:other_id", tline, "to_many"))
    return out


# ---------------------------------------------------------------- versions
fp = git("rev-list", "--first-parent", "--reverse", "HEAD").split()
index = {c: i for i, c in enumerate(fp)}
bumps = []  # (first-parent index, version)
for c in git("log", "--first-parent", "--reverse", "--format=%H", "--", "config/version").split():
    if c in index:
        v = git("show", f"{c}:config/version").strip()
        bumps.append((index[c], v))
bump_idx = [b[0] for b in bumps]


def since(commit):
    """The first release (config/version bump, made by CI at release) that contains `commit`."""
    i = index[commit]
    if i < bump_idx[0]:
        return "-"
    k = bisect.bisect_left(bump_idx, i)
    if k == len(bumps):
        return "unreleased"
    return bumps[k][1]


def version_at(commit):
    k = bisect.bisect_right(bump_idx, index[commit]) - 1
    return bumps[k][1] if k >= 0 else "-"


head = git("rev-parse", "HEAD").strip()
head_version = git("show", "HEAD:config/version").strip()

# v3: walk every first-parent version of routes.rb; a route's evidence commit is the first one
# in which it is present (some were removed and re-added by WIP commits on main).
present_since = {}
prev = set()
for c in git("log", "--first-parent", "--reverse", "--format=%H", "--", "config/routes.rb").split():
    try:
        text = git("show", f"{c}:config/routes.rb")
    except subprocess.CalledProcessError:
        text = ""
    cur = set(parse_routes_rb(text))
    for r in cur - prev:
        present_since.setdefault(r, c)
    prev = cur
head_v3 = parse_routes_rb(git("show", "HEAD:config/routes.rb"))
assert set(head_v3) == prev, set(head_v3) ^ prev

rows = []
for (meth, p), line in sorted(head_v3.items(), key=lambda kv: kv[1]):
    c = present_since[(meth, p)]
    rows.append((meth, templ(p), since(c), c[:10], f"config/routes.rb:{line}"))

# v2 + root + internal controllers at HEAD
roles_txt = git("show", "HEAD:lib/cloud_controller/roles.rb")
roles = {
    "ORG": re.search(r"ORG_ROLE_NAMES = %i\[([^\]]*)\]", roles_txt).group(1).split(),
    "SPACE": re.search(r"SPACE_ROLE_NAMES = %i\[([^\]]*)\]", roles_txt).group(1).split(),
}
files = [f for f in git("ls-tree", "-r", "--name-only", "HEAD", "app/controllers").split()
         if re.match(r"app/controllers/(runtime|services|internal)/[^/]+\.rb$", f)]

# first addition of each stripped line on the first-parent history (one pass over the diffs)
first_added = {}
cur = None
with open(sys.argv[3]) as fh:
    for raw in fh:
        if raw.startswith("COMMIT "):
            cur = raw[7:].strip()
        elif raw.startswith("+") and not raw.startswith("+++"):
            key = raw[1:].strip()
            if key and key not in first_added:
                first_added[key] = cur

seen = set()
for f in sorted(files):
    text = git("show", f"HEAD:{f}")
    cls = re.search(r"^\s*class \w+Controller\b.*$", text, re.M)
    for meth, p, line, kind in parse_controller(text, roles):
        key = (meth, templ(p))
        if key in seen:
            continue
        seen.add(key)
        src_line = text.split("\n")[line - 1].strip()
        if kind == "define_routes":
            src_line = cls.group(0).strip() if cls else src_line
        c = first_added.get(src_line)
        if kind == "to_many":
            tm = re.match(r"to_many\s+:\w+", src_line).group(0)
            c = min((v for k, v in first_added.items() if re.match(re.escape(tm) + r"\b", k)),
                    key=lambda x: index[x], default=c)
        rows.append((meth, templ(p), since(c) if c else "-", c[:10] if c else "-", f"{f}:{line}"))

# the rack map in RackAppBuilder
rb = git("show", "HEAD:lib/cloud_controller/rack_app_builder.rb")
hl = rb[: rb.index("map '/healthz'")].count("\n") + 1
c = first_added.get("map '/healthz' do")
rows.append(("GET", "/healthz", since(c) if c else "-", c[:10] if c else "-", f"lib/cloud_controller/rack_app_builder.rb:{hl}"))

with open(OUT, "w") as out:
    out.write(f"# Cloud Controller routes read from cloudfoundry/cloud_controller_ng {head} (config/version {head_version})\n")
    out.write("# by spec/cc-routes.py: config/routes.rb (under /v3), app/controllers/{runtime,services,internal}/*.rb\n")
    out.write("# (RestController define_routes: POST/GET collection, GET/PUT/DELETE member, to_many routes by route_for),\n")
    out.write("# and the rack map of lib/cloud_controller/rack_app_builder.rb. since = the first CC release (config/version\n")
    out.write("# bump, made by CI at release) on the first-parent history that contains the evidence commit;\n")
    out.write("# v2: first appearance of the defining source line (class line for define_routes, `to_many :name`); lines\n# rewritten by refactors date from the rewrite (e.g. the role loops, 3.154.0), so a v2 since is an upper bound.\n# '-' = older than config/version itself (present in every versioned CC) or not found; 'unreleased' = after the last bump.\n")
    out.write("method\tpath\tsince\tevidence\tsource\n")
    for r in rows:
        out.write("\t".join(r) + "\n")
print(len(rows), "routes;", len(head_v3), "v3")
