# fish completion for detour (installed as share/fish/vendor_completions.d/detour.fish).
# Subcommands and options are listed here; model group names and lint rule names are asked
# of the binary (`detour __complete models|rules`), so they follow the config in use: the
# --config on the line, else detour's own discovery.

# Options that take a value (their next word is not a subcommand).
set -g __detour_valued --config --log-level --log-format --seed -m --model -s --system \
    --max-tokens --temperature --listen --format -o --output --timeout --explain --url \
    --trace --speed --plot

# The subcommand path on the line so far ("chat", "config convert"), or nothing.
function __detour_subcommand
    set -l words (commandline -opc)
    set -l sub
    set -l skip 0
    for w in $words[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                contains -- $w $__detour_valued; and set skip 1
            case '*'
                if test -z "$sub"
                    set sub $w
                else if test "$sub" = config -a "$w" = convert
                    set sub "config convert"
                end
        end
    end
    echo $sub
end

function __detour_no_subcommand
    test -z (__detour_subcommand)
end

function __detour_using
    test (__detour_subcommand) = "$argv"
end

# Names from the binary; nothing (never an error) when it cannot answer.
function __detour_ask
    set -l words (commandline -opc)
    set -l cfg
    set -l next 0
    for w in $words
        if test $next = 1
            set cfg $w
            set next 0
        else if test "$w" = --config
            set next 1
        else if string match -q -- '--config=*' $w
            set cfg (string replace -- '--config=' '' $w)
        end
    end
    set cfg (string replace -r -- '^~' $HOME "$cfg")
    if test -n "$cfg"
        $words[1] __complete $argv --config $cfg 2>/dev/null
    else
        $words[1] __complete $argv 2>/dev/null
    end
end

complete -c detour -f

# Global options (before or after the subcommand).
complete -c detour -l config -r -F -d 'config file'
complete -c detour -l log-level -x -a 'error warn info debug trace' -d 'log level'
complete -c detour -l log-format -x -a 'text json' -d 'log line format'
complete -c detour -l seed -x -d 'fix every random choice for a repeatable run'
complete -c detour -s h -l help -d 'print help and exit'

# Subcommands.
complete -c detour -n __detour_no_subcommand -a chat -d 'send a prompt through the fallback chain'
complete -c detour -n __detour_no_subcommand -a serve -d 'run the local OpenAI-compatible proxy'
complete -c detour -n __detour_no_subcommand -a check -d 'lint the config and probe every deployment'
complete -c detour -n __detour_no_subcommand -a status -d "show a running serve's state"
complete -c detour -n __detour_no_subcommand -a init -d 'write a starter detour.toml'
complete -c detour -n __detour_no_subcommand -a config -d 'config file tools'
complete -c detour -n __detour_no_subcommand -a sim -d "serve a trace's simulated providers"
complete -c detour -n __detour_no_subcommand -a bench -d 'replay outage traces through three arms'
complete -c detour -n __detour_no_subcommand -a version -d 'print the version and build info'

# chat
complete -c detour -n '__detour_using chat' -s m -l model -x -a '(__detour_ask models)' -d 'model group'
complete -c detour -n '__detour_using chat' -s s -l system -x -d 'system prompt'
complete -c detour -n '__detour_using chat' -l no-stream -d 'wait for the whole reply'
complete -c detour -n '__detour_using chat' -l json -d 'print the final OpenAI-format response'
complete -c detour -n '__detour_using chat' -l max-tokens -x -d 'max tokens to generate'
complete -c detour -n '__detour_using chat' -l temperature -x -d 'sampling temperature (0-2)'
complete -c detour -n '__detour_using chat' -s v -l verbose -d 'print each attempt to stderr'

# serve
complete -c detour -n '__detour_using serve' -l listen -x -d 'HOST:PORT to listen on'
complete -c detour -n '__detour_using serve' -l demo -d 'two simulated providers, no keys needed'

# sim
complete -c detour -n '__detour_using sim' -l trace -r -F -d 'trace file (.toml or .jsonl)'
complete -c detour -n '__detour_using sim' -l listen -x -d 'HOST:PORT on loopback'
complete -c detour -n '__detour_using sim' -l seed -x -d 'fault schedule seed'

# bench
complete -c detour -n '__detour_using bench' -a '(__fish_complete_suffix .toml; __fish_complete_suffix .jsonl)' -d trace
complete -c detour -n '__detour_using bench' -l seed -x -d 'fault schedule, traffic and routing seed'
complete -c detour -n '__detour_using bench' -l speed -x -a auto -d 'times faster than real time'
complete -c detour -n '__detour_using bench' -l format -x -a 'table json' -d 'report format'
complete -c detour -n '__detour_using bench' -s o -l output -r -F -d 'write the report to FILE'
complete -c detour -n '__detour_using bench' -l plot -r -F -d 'write an SVG chart to FILE'
complete -c detour -n '__detour_using bench' -s m -l model -x -a '(__detour_ask models)' -d 'model group'

# check
complete -c detour -n '__detour_using check' -s m -l model -x -a '(__detour_ask models)' -d 'limit to these model groups'
complete -c detour -n '__detour_using check' -l offline -d 'lint only, probe nothing'
complete -c detour -n '__detour_using check' -l format -x -a 'table json junit github' -d 'report format'
complete -c detour -n '__detour_using check' -s o -l output -r -F -d 'write the report to FILE'
complete -c detour -n '__detour_using check' -l timeout -x -d 'bound of each probe (default 10s)'
complete -c detour -n '__detour_using check' -l allow-degraded -d 'exit 0 while every group can be served'
complete -c detour -n '__detour_using check' -l explain -x -a '(__detour_ask rules)' -d 'why a lint rule exists'

# status
complete -c detour -n '__detour_using status' -l url -x -d 'the serve to ask'
complete -c detour -n '__detour_using status' -s w -l watch -d 'refresh every 2 s'
complete -c detour -n '__detour_using status' -l format -x -a 'table json' -d 'output format'

# init
complete -c detour -n '__detour_using init' -s o -l output -r -F -d 'where to write it'
complete -c detour -n '__detour_using init' -l force -d 'replace an existing file'
complete -c detour -n '__detour_using init' -l no-local -d 'do not look for local servers'

# config
complete -c detour -n '__detour_using config' -a convert -d 'print the detour.toml of a LiteLLM config.yaml'
complete -c detour -n '__detour_using config convert' -a '(__fish_complete_suffix .yaml; __fish_complete_suffix .yml)' -d 'LiteLLM config'
