// Drives a running QuantServe with Hugging Face's own JavaScript client (@huggingface/inference 2.x,
// which speaks TGI's wire format). usage: node hf-inference.cjs NODE_MODULES_DIR BASE_URL
// Prints one JSON object with what each call returned; any client error exits non-zero.
const path = require("path");
const [modules, baseUrl] = process.argv.slice(2);
const { HfInferenceEndpoint } = require(path.join(modules, "@huggingface/inference"));

(async () => {
  const endpoint = new HfInferenceEndpoint(baseUrl.replace(/\/$/, ""));
  // `model` keeps the 2.x client from asking the hub for a default model (no network here); the
  // endpoint URL decides where requests go, and the server ignores the field as TGI does.
  const generation = await endpoint.textGeneration({
    model: "tgi",
    inputs: "Once upon a time",
    parameters: { max_new_tokens: 6, seed: 3, do_sample: true, temperature: 1.2 },
  });
  const streamed = [];
  let final = null;
  for await (const event of endpoint.textGenerationStream({
    model: "tgi",
    inputs: "Once upon a time",
    parameters: { max_new_tokens: 6, seed: 3, do_sample: true, temperature: 1.2 },
  })) {
    streamed.push(event.token.text);
    if (event.generated_text !== null) final = event.generated_text;
  }
  const chat = await endpoint.chatCompletion({
    model: "tgi",
    messages: [{ role: "user", content: "Hello there" }],
    max_tokens: 5,
    temperature: 0,
  });
  console.log(JSON.stringify({
    generated_text: generation.generated_text,
    streamed: streamed.join(""),
    stream_final: final,
    chat_content: chat.choices[0].message.content,
    chat_finish_reason: chat.choices[0].finish_reason,
  }));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
