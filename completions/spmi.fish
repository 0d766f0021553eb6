# fish completion for spmi: subcommands, their options, and the task ids,
# projects and tags of the current $SPMI_PATH (asked of spmi itself through
# `spmi __complete`). Installed as share/fish/vendor_completions.d/spmi.fish.

# The subcommand on the command line so far (fails when there is none).
function __spmi_command
    set -l tokens (commandline -opc)
    for t in $tokens[2..-1]
        if not string match -q -- '-*' $t
            echo $t
            return 0
        end
    end
    return 1
end

function __spmi_command_is
    set -l cmd (__spmi_command); or return 1
    contains -- $cmd $argv
end

# `spmi __complete ARGS`, through the spmi being completed.
function __spmi_words
    set -l tokens (commandline -opc)
    $tokens[1] __complete $argv 2>/dev/null
end

function __spmi_options
    set -l cmd (__spmi_command); or return 1
    __spmi_words options $cmd
end

complete -c spmi -f
complete -c spmi -n 'not __spmi_command' -a '(__spmi_words commands)'
complete -c spmi -n 'not __spmi_command' -l help -l version -s d -l debug -s q -l quiet
complete -c spmi -n 'not __spmi_command' -l color -x -a 'auto always never'
complete -c spmi -n '__spmi_command; and string match -q -- "-*" (commandline -ct)' -a '(__spmi_options)'
complete -c spmi -n '__spmi_command' -s p -l project -x -a '(__spmi_words projects)'
complete -c spmi -n '__spmi_command' -l tag -x -a '(__spmi_words tags)'
complete -c spmi -n '__spmi_command_is start wait' -l for -x -a 'running ready healthy exited'
complete -c spmi -n '__spmi_command_is load apply validate graph' -F
complete -c spmi -n '__spmi_command_is export' -a 'systemd cron'
complete -c spmi -n 'not __spmi_command_is load apply validate export run; and __spmi_command' -a '(__spmi_words tasks)'
