#!/usr/bin/env zsh
# Test harness: the completions zsh offers for command lines.
#   zsh zsh_complete.zsh FPATH_DIR 'detour chat -m ' 'detour ch' ...
# prints, for each line in order, a line "### N" then its matches, one per line (sorted).
# zsh completes only inside the line editor of an interactive shell, so this starts one on
# a pseudo-terminal (zsh/zpty) with compinit loaded from FPATH_DIR, types each line and a
# TAB (never Enter: nothing typed is run), and records every match the completion
# functions add through a compadd wrapper that writes them to a file: nothing is scraped
# from the screen. The shell's stderr (errors of the completion functions) is printed on
# our stderr. Exits 1 when a completion does not finish within 20 s.
emulate -L zsh
zmodload zsh/zpty || exit 2
local dir=$1; shift
local work=$(mktemp -d)
local out=$work/matches done=$work/done

zpty shell zsh -f -i
# Setup inside the interactive shell, a line at a time.
zpty -w shell "exec 2>${(q)work}/err; PS1=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w shell "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w shell "bindkey '^I' complete-word; zstyle ':completion:*' insert-tab false; __n=1"
# The wrapper: a compadd that only fills arrays (-O/-A/-D) is an internal query of the
# completion system and passes through; any other call is asked for the matches it would
# add (builtin compadd -O: filtered by what was typed), they are recorded, then added.
zpty -w shell "compadd() { if [[ \${(j: :)@} == *-[OAD]* ]]; then builtin compadd \"\$@\"; return; fi; local -a __m; builtin compadd -O __m \"\$@\"; (( \$#__m )) && print -rl -- \$__m >> ${(q)out}.\$__n; builtin compadd \"\$@\"; }"
# After each completion: mark line N done, and the next matches go to file N+1 (the
# completion system empties comppostfuncs after running them: re-arm).
zpty -w shell "comppostfuncs=(__done); __done() { : > ${(q)done}.\$__n; (( __n++ )); comppostfuncs=(__done); }"

# Waits for file $1, reading (and dropping) the screen meanwhile: a pseudo-terminal nobody
# reads fills up and stops the shell.
wait_for() {
  local i chunk
  for ((i = 0; i < 2000; i++)); do
    [[ -e $1 ]] && return 0
    while zpty -r -t shell chunk; do :; done
    sleep 0.01
  done
  return 1
}

local n=1 rc=0 line
for line in "$@"; do
  zpty -n -w shell "$line"$'\t'
  if ! wait_for $done.$n; then
    echo "zsh_complete: completion of '$line' did not finish" >&2
    rc=1
    break
  fi
  print -r -- "### $n"
  [[ -e $out.$n ]] && sort -u $out.$n
  zpty -n -w shell $'\C-e\C-u'  # end of line, then kill it: the next line starts empty
  (( n++ ))
done
zpty -d shell
[[ -s $work/err ]] && cat $work/err >&2
rm -rf $work
exit $rc
