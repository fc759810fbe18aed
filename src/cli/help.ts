// The --help texts of `tqstar` and its commands.
export const HELP: Record<string, string> = {
  main: `tqstar — Transfer Q* aligned decoding against OpenAI-compatible model servers

Usage:
  tqstar serve  [--port N] [--host H] [--dialect vllm|sglang|llamacpp|ollama|openai] [--latency SPEC] [--faults SPEC]
  tqstar serve  --model NAME=PATH.gguf [--model …] [--port N] [--host H] [--sequences N] [--context N]
  tqstar probe  --config FILE
  tqstar decode --config FILE (--prompt TEXT | --prompt-file FILE) [--strategy NAME]... [--json] [--verbose]
  tqstar demo
  tqstar eval   [--config FILE | --world tiny|demo|tabular] [--prompts FILE] [--sweep KEY=v1,v2]... [--out DIR] (see tqstar eval --help)

Run "tqstar COMMAND --help" for details. Exit codes: 0 ok, 1 a strategy ended with an error or
probe found problems, 2 usage/config error, 3 a server could not be used, 130 cancelled (Ctrl-C).`,
  serve: `tqstar serve — start the local reference server (a demo/test backend, not a real LLM),
or with --model a local llama.cpp engine serving GGUF model files

Options:
  --port N         port to listen on (0 = any free port; default 8000)
  --host H         interface (default 127.0.0.1)
  --dialect D      answer like vllm (default), sglang, llamacpp, ollama or openai
  --latency SPEC   simulated GPU latency, e.g. vllm-8b, 0, or request=5,prefill=0.027,step=19
  --faults SPEC    injected faults, e.g. 429:0.1,500:0.05,drop:0.05,malformed:0.05,delay=200:0.1,seed=1

Local engine (llama.cpp through node-llama-cpp, on the CPU, in a child process):
  --model NAME=PATH.gguf   serve this GGUF file as model NAME (repeatable; "~" and relative paths allowed)
  --sequences N            parallel sequences per model (default 48 for models under 64 MB, else 4)
  --context N              tokens per sequence (default: the model's training context, at most 1024)
It answers in the vLLM dialect (completions with logprobs, token-id prompts, n, echo scoring,
/tokenize, /detokenize), so a config points at it with "dialect": "vllm". A config can instead name
the file directly ("gguf": "PATH") and tqstar starts the engine itself.

Prints the URL it listens on; the OpenAI base URL is that URL + /v1. Ctrl-C stops it.`,
  probe: `tqstar probe — check every endpoint of a config file and print its capability report

Options:
  --config FILE    the run configuration (JSON; see docs/cli.md)
  --allow-key-env  use the apiKeyEnv fields of an exported run (a config file with "prompt"); without it they are not read, and each variable and the host it would go to is named

Exit code 1 when an endpoint is unreachable or lacks what the decoding settings need.`,
  decode: `tqstar decode — decode one prompt with Transfer Q* and its peers, ranked by reward

Options:
  --config FILE        the run configuration (JSON; see docs/cli.md)
  --prompt TEXT        the prompt
  --prompt-file FILE   read the prompt from a file (instead of --prompt)
  --strategy NAME      tqstar, args, cd, bon, specrej, smc, blockwise, greedy, sample or baseline; repeatable
                       (default: tqstar and the strategies the config lists)
  --json               print one JSON object (schema in docs/cli.md) instead of the table
  --allow-key-env      an exported run's apiKeyEnv fields are used only with this flag
  --verbose            log every HTTP request (role, method, URL, status, ms) to stderr

Ctrl-C cancels and prints the partial result (exit code 130).`,
  demo: `tqstar demo — the built-in demo, no GPU and no configuration needed

Runs TQ* and its peers on tiny transformers trained by this project (models/tiny: sft, dpo-sentiment,
dpo-politeness; demo models, not for real use) through the local llama.cpp engine (node-llama-cpp in
a child process), direct and indirect transfer, with the demo-sentiment reward of the local reference
server (a demo/test backend) over HTTP, and prints reward-ranked tables; then decodes on the tabular
test models, with each strategy's exact objective E[r] − β·KL computed by enumeration.`,
  eval: `tqstar eval — TQ* and its peers on a prompt set: reward, KL, win/tie/loss, diversity, coherence, cost

Without --config it runs a built-in world, with the local reference server in-process for the reward
(demo backends, not real LLMs): by default (--world tiny) the tiny transformers trained by this project
(models/tiny) on the local llama.cpp engine, direct transfer (base sft, baseline dpo-sentiment, reward
demo-sentiment), 26 of the built-in prompts × 1 seed, every strategy (a few minutes on 2 cores);
--world demo: the reference server's word-level n-gram pair on all 101 built-in prompts; --world tabular:
the tabular test models, with exact E[r], KL and E[r] − β·KL by enumeration.

Options:
  --config FILE          a run configuration (as for decode); its strategies are evaluated
  --world tiny|demo|tabular  the built-in setup to run without --config (default tiny)
  --prompts FILE         JSONL ({"prompt": …, "id": …} per line) or plain text (one prompt per line);
                         "builtin" for the ~100 built-in prompts
  --limit N              only the first N prompts
  --seeds N|a,b,…        N seeds 0..N−1, or a list (default 1 seed: 0)
  --strategy NAME        repeatable (default: the world's or the config's strategies); also softbon,
                         specrej (early-pruned Best-of-N) and smc (particle filter)
  --sweep [S:]KEY=v1,…   repeatable, crossed: any decoding key (alpha, topK, rollouts, horizon, bestOfN,
                         speed.skipMass, …) or alias k, N, H, bon, w, K, m, lambda; "S:" sweeps only
                         strategy S (e.g. bon:bon=4,16,64)
  --reference NAME       win/tie/loss against this strategy (default baseline)
  --out DIR              answers.jsonl, report.html, summary.json, summary.txt (default ./tqstar-eval)
  --embeddings URL       OpenAI base URL with /v1/embeddings for coherence ([--embeddings-model M])
  --no-embeddings        skip coherence
  --allow-key-env        use the apiKeyEnv fields of an exported run given as --config
  --judge                pairwise judge on the config's "judge" reward endpoint (/v1/chat/completions)
  --judge-url URL --judge-model M   the judge's endpoint explicitly
  --concurrency N        answers decoded at once (default: the endpoints' maxConcurrency)
  --held-out SPEC        the held-out score, never optimised: fluency (default: log π_base per output
                         token, no server), judge (the config's judge reward, scored), or a reward
                         configuration as JSON or a .json file (any tqstar.reward kind)
  --reward-scale X       multiply the target reward by X (e.g. 10, 0.1: is a setting scale-free?)
  --latency SPEC         --world demo|tabular only: the reference server runs this latency model (as
                         tqstar serve --latency, e.g. vllm-8b) and each answer's critical path under it
                         is reported (CP ms/ans, CP ms/tok)

Every answer is appended to answers.jsonl as it finishes; running the same command again resumes
and redoes nothing finished. Progress on stderr. Ctrl-C keeps what is done (exit code 130).`,
};
