/**
 * `synack completion bash|zsh|fish`: a completion script built from the program's own commands
 * and options (so it cannot fall behind them), plus the built-in scenario names as arguments.
 */
import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface CommandWords {
  name: string;
  description: string;
  flags: string[];
}

function commandWords(program: Command): CommandWords[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description().replace(/['"\\$`]/g, ''),
    flags: [...command.options.flatMap((o) => [o.long, o.short]), '--help'].filter(
      (flag): flag is string => flag !== undefined,
    ),
  }));
}

function bashScript(commands: CommandWords[], scenarios: string[]): string {
  const cases = commands.map((c) => `    ${c.name}) flags="${c.flags.join(' ')}" ;;`).join('\n');
  return `# synack completion for bash: source this file, or put it in ~/.local/share/bash-completion/completions/synack
_synack() {
  local cur=\${COMP_WORDS[COMP_CWORD]} flags=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "${scenarios.join(' ')}" -- "$cur") $(compgen -f -- "$cur"))
  fi
}
complete -F _synack synack
`;
}

function zshScript(commands: CommandWords[], scenarios: string[]): string {
  const described = commands.map((c) => `    '${c.name}:${c.description.replace(/:/g, '\\:')}'`).join('\n');
  const cases = commands.map(
    (c) => `      ${c.name}) _values 'option' ${c.flags.map((f) => `'${f}'`).join(' ')} ;;`,
  );
  return `#compdef synack
# synack completion for zsh: put this file in a directory of $fpath as _synack
_synack() {
  local -a commands
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  if [[ $words[CURRENT] == -* ]]; then
    case $words[2] in
${cases.join('\n')}
    esac
  else
    _alternative 'scenarios:scenario:(${scenarios.join(' ')})' 'files:file:_files'
  fi
}
compdef _synack synack
`;
}

function fishScript(commands: CommandWords[], scenarios: string[]): string {
  const lines = ['# synack completion for fish: put this file in ~/.config/fish/completions/synack.fish'];
  lines.push('complete -c synack -f');
  for (const c of commands) {
    lines.push(`complete -c synack -n __fish_use_subcommand -a ${c.name} -d '${c.description}'`);
    for (const flag of c.flags.filter((f) => f.startsWith('--'))) {
      lines.push(`complete -c synack -n '__fish_seen_subcommand_from ${c.name}' -l ${flag.slice(2)}`);
    }
  }
  lines.push(
    `complete -c synack -n '__fish_seen_subcommand_from run inspect sweep' -a '${scenarios.join(' ')}'`,
  );
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, program: Command, scenarios: string[]): string {
  const commands = commandWords(program);
  if (shell === 'bash') return bashScript(commands, scenarios);
  if (shell === 'zsh') return zshScript(commands, scenarios);
  return fishScript(commands, scenarios);
}
