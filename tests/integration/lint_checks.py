#!/usr/bin/env python3
"""lint_checks.py - reject check call sites that cannot fail as written.

lib.sh's check, expect and expect_refusal run ONE command.  Bash ends a
command at an unquoted && or ||, so

    check "both hold" [ "$a" = 1 ] && [ "$b" = 2 ]

is parsed as (check "both hold" [ "$a" = 1 ]) && [ "$b" = 2 ]: the second
condition is never checked, and the check passes when only the first
holds.  No harness can see that at run time; this lint reads the test
scripts as bash does and rejects:

  chained   a check joined to other commands by an unquoted &&, || or |,
            or sent to the background with & (its verdict is lost);
  status    $? among a check's arguments: by the time the check runs, $?
            is the status of the last command substitution in its
            message, not of the command the test ran (keep rc=$? on the
            line after the command instead).

Write a compound condition as one command: holds '[ A ] && [ B ]',
test A -a B, bash -c '...', or python3 -c '...'.

usage: lint_checks.py [FILE|DIR]...   (default: every *.sh beside this
file and below it).  Prints FILE:LINE: problem for each call site found;
exits 1 if there is any, 2 if a file cannot be read or parsed.
"""
import os
import sys

CHECKERS = {"check", "expect", "expect_refusal"}
# Words that may stand before a command's name.
PREFIX_WORDS = {"!", "{", "then", "do", "else", "elif", "if", "while", "until", "time"}


class ParseError(Exception):
    pass


class Lexer:
    """Split bash text into words and control operators, as bash does for
    the purpose of finding where one command ends: quotes, $(...), ${...},
    $((...)), backquotes, process substitution, comments, line
    continuations and here-documents are honoured."""

    def __init__(self, text):
        self.s = text
        self.i = 0
        self.line = 1
        self.heredocs = []   # (delimiter, strip_tabs) waiting for the next newline

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def advance(self, n=1):
        for _ in range(n):
            if self.i < len(self.s):
                if self.s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def skip_single_quoted(self):
        # at the opening '
        self.advance()
        while self.i < len(self.s) and self.peek() != "'":
            self.advance()
        if self.i >= len(self.s):
            raise ParseError("unterminated single quote")
        self.advance()

    def skip_double_quoted(self):
        self.advance()
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                self.advance(2)
            elif c == '"':
                self.advance()
                return
            elif c == "$" and self.peek(1) in "({":
                self.skip_dollar()
            elif c == "`":
                self.skip_backquoted()
            else:
                self.advance()
        raise ParseError("unterminated double quote")

    def skip_backquoted(self):
        self.advance()
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                self.advance(2)
            elif c == "`":
                self.advance()
                return
            else:
                self.advance()
        raise ParseError("unterminated backquote")

    def skip_dollar(self):
        """At $( or ${ (or <( / >( with skip_paren): skip to the match."""
        if self.peek(1) == "{":
            self.advance(2)
            depth = 1
            while self.i < len(self.s):
                c = self.peek()
                if c == "\\":
                    self.advance(2)
                elif c == "'":
                    self.skip_single_quoted()
                elif c == '"':
                    self.skip_double_quoted()
                elif c == "$" and self.peek(1) in "({":
                    self.skip_dollar()
                elif c == "{":
                    depth += 1
                    self.advance()
                elif c == "}":
                    depth -= 1
                    self.advance()
                    if depth == 0:
                        return
                else:
                    self.advance()
            raise ParseError("unterminated ${")
        self.advance()          # the $ (or < / >)
        self.skip_paren()

    def skip_paren(self):
        """At an opening ( of $( $(( <( >(: skip to its matching )."""
        self.advance()
        depth = 1
        at_word_start = True
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                self.advance(2)
                at_word_start = False
                continue
            if c == "#" and at_word_start:
                while self.i < len(self.s) and self.peek() != "\n":
                    self.advance()
                continue
            if c == "'":
                self.skip_single_quoted()
            elif c == '"':
                self.skip_double_quoted()
            elif c == "`":
                self.skip_backquoted()
            elif c == "$" and self.peek(1) in "({":
                self.skip_dollar()
            elif c == "(":
                depth += 1
                self.advance()
            elif c == ")":
                depth -= 1
                self.advance()
                if depth == 0:
                    return
            else:
                self.advance()
            at_word_start = c in " \t\n;|&()"
        raise ParseError("unterminated $( or (")

    def read_heredoc_bodies(self):
        """Just after a newline: skip the bodies of pending here-documents."""
        for delim, strip in self.heredocs:
            while True:
                if self.i >= len(self.s):
                    raise ParseError("here-document ending in '%s' is not closed" % delim)
                end = self.s.find("\n", self.i)
                if end < 0:
                    end = len(self.s)
                text = self.s[self.i:end]
                self.advance(end - self.i + 1)
                if (text.lstrip("\t") if strip else text) == delim:
                    break
        self.heredocs = []

    def tokens(self):
        """Yield (kind, text, line): kind is 'word' or 'op'."""
        while True:
            c = self.peek()
            if c == "":
                return
            if c in " \t":
                self.advance()
                continue
            if c == "\\" and self.peek(1) == "\n":
                self.advance(2)
                continue
            if c == "#":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.advance()
                continue
            line = self.line
            if c == "\n":
                self.advance()
                if self.heredocs:
                    self.read_heredoc_bodies()
                yield ("op", "\n", line)
                continue
            two = c + self.peek(1)
            if two in ("&&", "||", ";;", "|&"):
                self.advance(2)
                yield ("op", two, line)
                continue
            if c in ";|()":
                self.advance()
                yield ("op", c, line)
                continue
            if c == "&" and self.peek(1) != ">":
                self.advance()
                yield ("op", "&", line)
                continue
            yield ("word", self.read_word(), line)

    def read_word(self):
        start = self.i
        while self.i < len(self.s):
            c = self.peek()
            if c in " \t\n;|()":
                if c == "(" and self.i > start and self.s[self.i - 1] in "<>=":
                    # <(...) >(...) process substitution, a=(array)
                    self.skip_paren()
                    continue
                break
            if c == "&":
                # &> and >& are redirections, not the background operator
                if self.peek(1) == ">" or (self.i > start and self.s[self.i - 1] in "<>"):
                    self.advance()
                    continue
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    break
                self.advance(2)
            elif c == "'":
                self.skip_single_quoted()
            elif c == '"':
                self.skip_double_quoted()
            elif c == "`":
                self.skip_backquoted()
            elif c == "$" and self.peek(1) in "({":
                self.skip_dollar()
            elif c == "<" and self.peek(1) == "<" and self.peek(2) == "<":
                self.advance(3)     # a here-string: its word follows
            elif c == "<" and self.peek(1) == "<":
                self.read_heredoc_start()
            else:
                self.advance()
        return self.s[start:self.i]

    def read_heredoc_start(self):
        self.advance(2)
        strip = False
        if self.peek() == "-":
            strip = True
            self.advance()
        while self.peek() in " \t":
            self.advance()
        start = self.i
        while self.i < len(self.s) and self.peek() not in " \t\n;|&()<>":
            c = self.peek()
            if c == "'":
                self.skip_single_quoted()
            elif c == '"':
                self.skip_double_quoted()
            else:
                self.advance()
        delim = self.s[start:self.i].replace("'", "").replace('"', "").replace("\\", "")
        if not delim:
            raise ParseError("here-document without a delimiter")
        self.heredocs.append((delim, strip))


def commands(text):
    """Yield lists of pipelines: each list is [(words, line, op_after)],
    one entry per command, op_after the operator that ended it."""
    lst, words, line = [], [], None
    for kind, tok, tline in Lexer(text).tokens():
        if kind == "word":
            if not words:
                line = tline
            words.append(tok)
            continue
        if tok in ("&&", "||", "|", "|&"):
            lst.append((words, line, tok))
            words = []
            continue
        # a newline right after && || | continues the list
        if tok == "\n" and not words and lst and lst[-1][2] in ("&&", "||", "|", "|&"):
            continue
        if words or lst:
            lst.append((words, line, tok))
            yield lst
        lst, words = [], []
    if words or lst:
        lst.append((words, line, ""))
        yield lst


def command_name(words):
    for w in words:
        if w in PREFIX_WORDS:
            continue
        return w
    return None


def lint_text(text, name):
    problems = []
    for lst in commands(text):
        for k, (words, line, op) in enumerate(lst):
            cmd = command_name(words)
            if cmd not in CHECKERS:
                continue
            if len(lst) > 1:
                ops = sorted({o for _, _, o in lst[:-1]})
                problems.append(
                    "%s:%d: %s is joined to other commands by %s: bash checks only the "
                    "first command and runs the rest unchecked; write the whole condition "
                    "as one command (holds '[ A ] && [ B ]', test A -a B, bash -c '...')"
                    % (name, line, cmd, " and ".join(ops)))
            elif op == "&":
                problems.append("%s:%d: %s runs in the background: its verdict is lost"
                                % (name, line, cmd))
            if any("$?" in w for w in words):
                problems.append(
                    "%s:%d: %s reads $? among its arguments: that is the status of the last "
                    "$(...) in its message, not of the command under test; save rc=$? "
                    "right after the command" % (name, line, cmd))
    return problems


def scripts(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith(".sh"):
                        yield os.path.join(d, f)
        else:
            yield p


def main(argv):
    paths = argv[1:] or [os.path.dirname(os.path.abspath(__file__))]
    problems, n, broken = [], 0, False
    for f in scripts(paths):
        try:
            with open(f) as fh:
                text = fh.read()
            problems += lint_text(text, f)
            n += 1
        except (OSError, ParseError) as e:
            print("%s: cannot lint: %s" % (f, e))
            broken = True
    for p in problems:
        print(p)
    print("lint_checks: %d scripts read, %d bad check call sites" % (n, len(problems)))
    if broken or n == 0:
        return 2
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
