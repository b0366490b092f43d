# bash completion for detour (installed as share/bash-completion/completions/detour).
# Subcommands and options are listed here; model group names and lint rule names are asked
# of the binary (`detour __complete models|rules`), so they follow the config in use: the
# --config given on the line, else detour's own discovery. Needs only bash (no
# bash-completion helpers), so `source completions/detour.bash` works anywhere.

# The options of each subcommand ("" for the top level). Keep in step with `--help`
# (tests/e2e/completions.test.mjs checks every option of every --help is offered).
_detour_options() {
  local global="--config --log-level --log-format --seed -h --help"
  case $1 in
    "") echo "$global" ;;
    chat) echo "-m --model -s --system --no-stream --json --max-tokens --temperature -v --verbose $global" ;;
    serve) echo "--listen --demo $global" ;;
    sim) echo "--trace --listen --seed $global" ;;
    bench) echo "--seed --speed --format -o --output --plot -m --model $global" ;;
    check) echo "-m --model --offline --format -o --output --timeout --allow-degraded --explain $global" ;;
    status) echo "--url -w --watch --format $global" ;;
    init) echo "-o --output --force --no-local $global" ;;
    config|"config convert"|version) echo "$global" ;;
  esac
}

# Options that take a value (the next word is that value, not a subcommand or prompt).
_detour_takes_value() {
  case $1 in
    --config|--log-level|--log-format|--seed|-m|--model|-s|--system|--max-tokens|--temperature|\
    --listen|--format|-o|--output|--timeout|--explain|--url|--trace|--speed|--plot) return 0 ;;
  esac
  return 1
}

# Asks the binary for names; prints nothing (never an error) when it cannot.
_detour_ask() {
  local cfg=${_detour_config/#\~/$HOME}
  "${COMP_WORDS[0]}" __complete "$1" ${cfg:+--config "$cfg"} 2>/dev/null
}

# Trace files (.toml, or a [record] .jsonl) and directories.
_detour_traces() {
  local f
  while IFS= read -r f; do
    [[ -d $f || $f == *.toml || $f == *.jsonl ]] && COMPREPLY+=("$f")
  done < <(compgen -f -- "$cur")
  compopt -o filenames 2>/dev/null
}

_detour() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=""
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # bash splits "--opt=value" at the "=" (COMP_WORDBREAKS): the option is one word further.
  [[ $prev == "=" && COMP_CWORD -gt 1 ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
  COMPREPLY=()

  # Walk the words before the cursor: the subcommand path, and the --config value.
  local sub="" i w _detour_config=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --config=*) _detour_config=${w#--config=} ;;
      --config)
        [[ ${COMP_WORDS[i + 1]} == "=" ]] && ((i++))
        _detour_config=${COMP_WORDS[i + 1]}; ((i++)) ;;
      -*=*) ;;
      -*)
        if _detour_takes_value "$w"; then
          [[ ${COMP_WORDS[i + 1]} == "=" ]] && ((i++))
          ((i++))
        fi ;;
      *)
        if [[ -z $sub ]]; then sub=$w
        elif [[ $sub == config && $w == convert ]]; then sub="config convert"
        fi ;;
    esac
  done

  # The value of the option before the cursor.
  case $prev in
    --config|-o|--output|--plot) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return 0 ;;
    --trace) _detour_traces; return 0 ;;
    --speed) COMPREPLY=($(compgen -W "auto" -- "$cur")); return 0 ;;
    --log-level) COMPREPLY=($(compgen -W "error warn info debug trace" -- "$cur")); return 0 ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
    -m|--model) COMPREPLY=($(compgen -W "$(_detour_ask models)" -- "$cur")); return 0 ;;
    --explain) COMPREPLY=($(compgen -W "$(_detour_ask rules)" -- "$cur")); return 0 ;;
    --format)
      if [[ $sub == status || $sub == bench ]]; then COMPREPLY=($(compgen -W "table json" -- "$cur"))
      else COMPREPLY=($(compgen -W "table json junit github" -- "$cur")); fi
      return 0 ;;
    --seed|-s|--system|--max-tokens|--temperature|--listen|--timeout|--url) return 0 ;;
  esac

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_detour_options "$sub")" -- "$cur"))
    return 0
  fi
  case $sub in
    "") COMPREPLY=($(compgen -W "chat serve check status init config sim bench version" -- "$cur")) ;;
    bench) _detour_traces ;;
    config) COMPREPLY=($(compgen -W "convert" -- "$cur")) ;;
    "config convert")  # a LiteLLM config.yaml: directories and YAML files
      local f
      while IFS= read -r f; do
        [[ -d $f || $f == *.yaml || $f == *.yml ]] && COMPREPLY+=("$f")
      done < <(compgen -f -- "$cur")
      compopt -o filenames 2>/dev/null ;;
  esac
  return 0
}

complete -F _detour detour
