"""Drive `atlasgraph mcp` over stdio with the Python MCP SDK (a second,
independent implementation of the protocol) and check its answers.

Usage: python pyclient.py BINARY CURRENT_VERSION OLDER_VERSION ACTOR
(the Neo4j settings come from the environment). Prints one line per check;
exits 1 when any check fails.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def names_release(name, res, version=None):
    sc = res.structuredContent or {}
    rel = sc.get("release") or {}
    good = bool(rel.get("version")) and len(rel.get("sha256", "")) == 64
    if version is not None:
        good = good and rel.get("version") == version
    check(good, f"{name} names its release {rel}")
    check(res.content and json.loads(res.content[0].text) == sc, f"{name}: the first text block is the structured content")
    check(isinstance(sc.get("evidence"), list), f"{name}: evidence is a list")


async def main():
    binary, current, older, actor = sys.argv[1:5]
    env = {k: os.environ[k] for k in ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE", "PATH", "HOME") if k in os.environ}
    params = StdioServerParameters(command=binary, args=["mcp"], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check(init.serverInfo.name == "atlasgraph", f"server name {init.serverInfo.name}")

            tools = {t.name: t for t in (await session.list_tools()).tools}
            for want in ("search", "show", "chain_mitigations", "minimal_mitigation_set", "attack_paths", "choke_points",
                         "coverage_gaps", "actor_techniques", "evaluate_threat_model", "release_diff", "validate_mapping"):
                t = tools.get(want)
                check(t is not None and t.inputSchema.get("type") == "object" and t.outputSchema is not None and t.description,
                      f"tool {want} listed with input and output schemas and a description")
            check("save_threat_model" not in tools, "no write tools without --allow-writes")

            # The client validates every successful structured answer
            # against the tool's output schema (ClientSession.call_tool).
            res = await session.call_tool("search", {"text": "prompt injection"})
            hits = [h["id"] for h in res.structuredContent["hits"]]
            check(not res.isError and "AML.T0051" in hits, f"search 'prompt injection' returns AML.T0051 ({hits[:5]})")
            names_release("search", res, current)

            res = await session.call_tool("chain_mitigations", {"caseStudy": "AML.CS0000"})
            mits = [m["mitigation"]["id"] for m in res.structuredContent["chain"]["mitigations"]]
            check(not res.isError and len(mits) > 0, f"the chain of AML.CS0000 names breaking mitigations {mits}")
            names_release("chain_mitigations", res, current)

            tmpl = await session.read_resource("atlas://templates/rag-chatbot")
            model = tmpl.contents[0].text
            res = await session.call_tool("evaluate_threat_model", {"model": model})
            techs = [a["id"] for a in res.structuredContent["report"]["applicableTechniques"]]
            check(not res.isError and len(techs) > 0, f"the rag-chatbot template has applicable techniques ({len(techs)})")
            check(len(res.content) == 2 and res.content[1].text.startswith("#"), "evaluate_threat_model adds the markdown report")
            names_release("evaluate_threat_model", res, current)

            res = await session.call_tool("show", {"id": "AML.T9999"})
            check(res.isError and res.content[0].text.startswith("NOT_FOUND: ") and res.structuredContent["code"] == "NOT_FOUND",
                  f"a bad id is a tool error: {res.content[0].text}")
            res = await session.call_tool("attack_paths", {"from": "Reconnaissance", "to": "Impact", "maxHops": 99})
            check(res.isError and res.structuredContent["code"] == "BAD_INPUT", f"maxHops 99 is refused: {res.content[0].text}")

            for name, args in (
                ("show", {"id": "AML.T0051"}),
                ("show", {"id": actor}),
                ("minimal_mitigation_set", {"costs": {"AML.M0015": 2}}),
                ("attack_paths", {"from": "Reconnaissance", "to": "Impact", "limit": 3}),
                ("choke_points", {"limit": 3}),
                ("coverage_gaps", {"limit": 3}),
                ("actor_techniques", {"actor": actor}),
                ("release_diff", {"from": older, "to": current}),
                ("validate_mapping", {"mapping": "id,name\nAML.T0051,Whatever\n"}),
            ):
                res = await session.call_tool(name, args)
                check(not res.isError, f"{name} {args} answers")
                if not res.isError:
                    names_release(name, res)

            res = await session.call_tool("actor_techniques", {"actor": actor})
            found = res.structuredContent["actors"]
            check(not res.isError and len(found) > 0 and len(found[0]["techniques"]) > 0,
                  f"actor_techniques {actor!r}: {found[0]['name'] if found else None} with techniques and evidence")

            prompts = [p.name for p in (await session.list_prompts()).prompts]
            check("threat_model_my_ai_system" in prompts and "explain_case_study" in prompts, f"prompts {prompts}")
            templates = [t.uriTemplate for t in (await session.list_resource_templates()).resourceTemplates]
            check("atlas://release/{version}/technique/{id}" in templates, f"resource templates {templates}")
            res = await session.read_resource("atlas://release/current/case-study/AML.CS0000")
            check('"AML.CS0000"' in res.contents[0].text, "case study resource")

    if failures:
        print(f"{len(failures)} checks failed", flush=True)
        sys.exit(1)
    print("all checks passed", flush=True)


asyncio.run(main())
