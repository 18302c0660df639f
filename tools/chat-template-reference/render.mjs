// Renders every template of cases.json with every conversation (add_generation_prompt false and
// true) using @huggingface/jinja, Hugging Face's own JavaScript implementation, and prints the
// results as JSON on stdout. The C# tests (tests/QuantServe.Engine.Tests/Chat/) run this script and
// compare QuantServe's ChatTemplate with it. Needs `tools/setup-test-deps.sh` (node_modules).
//   node tools/chat-template-reference/render.mjs > renders.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const npmRoot = join(here, "..", "..", "tests", "fixtures", "npm");
const require = createRequire(join(npmRoot, "package.json"));
let Template;
try {
	({ Template } = require("@huggingface/jinja"));
} catch {
	console.error(`@huggingface/jinja is not installed under ${npmRoot}; run tools/setup-test-deps.sh from the repository root once.`);
	process.exit(2);
}

/** A template's source and special tokens, as transformers would pass them to the template. */
export function loadTemplate(entry) {
	if (entry.file) {
		return { source: readFileSync(join(here, entry.file), "utf8"), bos_token: entry.bos_token, eos_token: entry.eos_token };
	}
	const config = JSON.parse(readFileSync(join(npmRoot, "node_modules", entry.npm), "utf8"));
	const token = (t) => (t === null || t === undefined ? undefined : typeof t === "string" ? t : t.content);
	return { source: config.chat_template, bos_token: token(config.bos_token), eos_token: token(config.eos_token) };
}

const cases = JSON.parse(readFileSync(join(here, "cases.json"), "utf8"));
const results = [];
for (const entry of cases.templates) {
	const { source, bos_token, eos_token } = loadTemplate(entry);
	const template = new Template(source);
	for (const conversation of cases.conversations) {
		for (const add_generation_prompt of [false, true]) {
			// transformers always passes tools (None when absent).
			const items = { messages: structuredClone(conversation.messages), add_generation_prompt, tools: null };
			if (bos_token !== undefined) items.bos_token = bos_token;
			if (eos_token !== undefined) items.eos_token = eos_token;
			if (conversation.tools) items.tools = structuredClone(conversation.tools);
			Object.assign(items, structuredClone(conversation.extra ?? {}));
			const result = { template: entry.name, conversation: conversation.name, add_generation_prompt };
			try {
				result.output = template.render(items);
			} catch (e) {
				// @huggingface/jinja's raise_exception throws a plain Error with the template's message and
				// refuses a replacement, so a message that the template itself spells out is one it raised.
				const message = String(e?.message ?? e);
				if (source.includes(message)) result.raised = message;
				else result.error = message;
			}
			results.push(result);
		}
	}
}
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
