// `detour chat` (SPEC 1.2): one prompt through the routing core, in-process.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <optional>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "cli/runtime.h"
#include "server/observers.h"

namespace detour {
namespace {

struct ChatOptions {
  std::string model;
  std::string system;
  bool no_stream = false;
  bool json = false;
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  bool verbose = false;
  std::vector<std::string> words;
};

// Words joined by spaces; stdin (when not a terminal) appended after a blank line, or the
// whole prompt when no words were given.
std::string ReadPrompt(const ChatOptions& o) {
  std::string prompt;
  for (const auto& w : o.words) prompt += (prompt.empty() ? "" : " ") + w;
  if (!isatty(STDIN_FILENO)) {
    std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    while (!in.empty() && (in.back() == '\n' || in.back() == '\r')) in.pop_back();
    if (!in.empty()) prompt = prompt.empty() ? in : prompt + "\n\n" + in;
  }
  return prompt;
}

ChatRequest BuildRequest(const ChatOptions& o, const std::string& prompt, bool stream) {
  ChatRequest req;
  req.model = o.model;
  Json messages = Json::array();
  if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
  messages.push_back({{"role", "user"}, {"content", prompt}});
  req.body = {{"messages", std::move(messages)}};
  if (o.max_tokens) req.body["max_tokens"] = *o.max_tokens;
  if (o.temperature) req.body["temperature"] = *o.temperature;
  req.stream = stream;
  return req;
}

// Prints content deltas as they arrive.
class StdoutStream : public StreamConsumer {
 public:
  bool OnCommit(const RouteInfo&) override { return true; }
  bool OnChunk(StreamChunk& c) override {
    if (c.text.empty()) return true;
    std::cout << c.text << std::flush;
    any_ = mid_line_ = true;
    return true;
  }
  // Ends the current output line, if one is open.
  void EndLine() {
    if (mid_line_) std::cout << "\n" << std::flush;
    mid_line_ = false;
  }
  bool any_ = false;       // some text was printed
  bool mid_line_ = false;  // text was printed since the last newline
};

// `chat -v`: each attempt on stderr as it ends. On one terminal, an attempt line must not
// land in the middle of the streamed answer.
class VerboseAttempts final : public RequestObserver {
 public:
  VerboseAttempts(StdoutStream& out, bool same_terminal) : out_(out), same_terminal_(same_terminal) {}
  void OnAttempt(const AttemptRecord& a) override {
    if (same_terminal_) out_.EndLine();
    std::cerr << FormatAttempt(a) << "\n";
  }

 private:
  StdoutStream& out_;
  bool same_terminal_;
};

std::string MessageText(const Json& response) {
  try {
    const auto& content = response.at("choices").at(0).at("message").at("content");
    return content.is_string() ? content.get<std::string>() : "";
  } catch (const Json::exception&) {
    return "";
  }
}

int RunChat(const GlobalOptions& g, const ChatOptions& o) {
  if (!ApplyLogOptions(g)) return kExitUsage;
  auto config = LoadConfigOrReport(g);
  if (!config) return kExitUsage;
  if (config->deployments.empty()) {
    PrintError("no config file found and no provider key set. Write a detour.toml (see `man detour`), "
               "set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY, or try `detour serve --demo`.");
    return kExitUsage;
  }
  std::string prompt = ReadPrompt(o);
  if (prompt.empty()) {
    PrintError("no prompt: give it as words (detour chat \"hello\") or on stdin");
    return kExitUsage;
  }
  static CancelFlag interrupted{false};
  InstallInterruptFlag(&interrupted);
  Runtime rt = BuildRuntime(*config, g);
  auto observers = MakeConfiguredObservers(*config, *rt.router);  // [usage], [record], [telemetry]
  if (!observers.ok()) {
    PrintError(observers.error());
    return kExitUsage;
  }
  observers->AttachTo(*rt.router);  // written / sent when `observers` goes out of scope

  RouteOptions opts;
  opts.cancel = &interrupted;
  StdoutStream out;
  bool same_terminal = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
  VerboseAttempts verbose(out, same_terminal);
  if (o.verbose) opts.observer = &verbose;

  bool stream = !o.no_stream && !o.json;
  ChatRequest req = BuildRequest(o, prompt, stream);
  std::string model = req.model.empty() ? rt.router->table()->DefaultGroup() : req.model;
  if (!stream) {
    auto r = rt.router->Complete(req, opts);
    if (interrupted) return kExitInterrupted;
    if (!r.ok()) {
      PrintRouteFailure(r.error(), model);
      return r.error().unknown_model ? kExitUsage : kExitFailed;
    }
    Json body = ResponseJson(r->response);
    if (o.json) std::cout << body.dump(2) << "\n";
    else std::cout << MessageText(body) << "\n";
    return kExitOk;
  }
  auto r = rt.router->Stream(req, out, opts);
  out.EndLine();
  if (interrupted) return kExitInterrupted;
  if (!r.ok()) {
    PrintRouteFailure(r.error(), model);
    return r.error().unknown_model ? kExitUsage : kExitFailed;
  }
  if (!out.any_) std::cout << "\n";  // an empty answer is still one line
  return kExitOk;
}

}  // namespace

void AddChatCommand(CLI::App& app, const GlobalOptions& g, int* exit_code) {
  auto opts = std::make_shared<ChatOptions>();
  auto* cmd = app.add_subcommand("chat", "send a prompt through the fallback chain and print the reply");
  cmd->add_option("-m,--model", opts->model, "model group (default: router.default_model, else the first group)");
  cmd->add_option("-s,--system", opts->system, "system prompt");
  cmd->add_flag("--no-stream", opts->no_stream, "wait for the whole reply");
  cmd->add_flag("--json", opts->json, "print the final OpenAI-format response object");
  cmd->add_option("--max-tokens", opts->max_tokens, "max tokens to generate")->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", opts->temperature, "sampling temperature")->check(CLI::Range(0.0, 2.0));
  cmd->add_flag("-v,--verbose", opts->verbose, "print each attempt to stderr");
  cmd->add_option("prompt", opts->words, "the prompt (stdin is appended when piped)");
  cmd->callback([&g, opts, exit_code] { *exit_code = RunChat(g, *opts); });
}

}  // namespace detour
