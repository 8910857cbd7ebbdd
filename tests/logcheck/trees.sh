# shellcheck shell=bash
# tests/logcheck/trees.sh — rule-tree variants for the cases table, sourced
# by tests/logcheck/run.  tree_NAME DIR modifies DIR, a fresh copy of
# /etc/logcheck (the stock tree is the copy itself).  The log lines these
# rules aim at are in tests/data/logcheck/variants.log.  Section numbers
# refer to the logcheck 1.4.2 behaviour notes (logcheck-notes.md).

tree_stock() { :; }

# SUPPORT_CRACKING_IGNORE=1 (§3.1, §3.2): cracking.ignore.d/tftpd cancels the
# tftpd alert; the rsh alert still fires, so ATTACK=1 and the sudo line that
# also matches cracking.d/tftpd is filtered out of Security Events and out
# of System Events: it is reported nowhere.
tree_ci_attack() {
    printf '%s\n' '# cancel one alert' 'refused connect from 10\.9\.9\.9$' \
        > "$1/cracking.ignore.d/tftpd"
}

# As ci-attack, and cracking.ignore.d/local-rsh (local-* applies to every
# alert section) cancels the rsh alert too: no alert fired, ATTACK=0, so
# the sudo line is now reported under "Security Events for sudo".
tree_ci_noattack() {
    tree_ci_attack "$1"
    printf '%s\n' 'Connection from 10\.1\.1\.1 on illegal port' \
        > "$1/cracking.ignore.d/local-rsh"
}

# SUPPORT_CRACKING_IGNORE=1 without a cracking.ignore.d directory: logcheck
# skips the whole alert layer (§11 quirk 8).
tree_ci_missing() {
    rm -rf "$1/cracking.ignore.d"
}

# violations.ignore.d/local and local-* cancel violations of every section;
# violations.ignore.d/sudo (same name as the raise file) cancels sudo ones.
tree_vlocal() {
    printf '%s\n' 'FAILED SU \(to root\) eve on' > "$1/violations.ignore.d/local"
    printf '%s\n' '# comment' 'incorrect password attempts ;' \
        > "$1/violations.ignore.d/local-foo"
    printf '%s\n' 'user NOT in sudoers' > "$1/violations.ignore.d/sudo"
}

# The generic violations.d/logcheck file: its section is titled plain
# "Security Events" and leaves out lines other violations files raise.
tree_generic() {
    printf '%s\n' 'mallory' > "$1/violations.d/logcheck"
}

# Rule-file cleaning (§2): a CRLF file (each pattern keeps its CR; blank
# "\r" lines and first-byte-# lines are dropped; an indented "# ..." line is
# a pattern) and an LF file with an indented pattern.
tree_rulefiles() {
    printf '%s\r\n' '# a comment' '' '  # not a comment' \
        'dosfile: first|dosfile: never' 'dosfile: third$' \
        > "$1/ignore.d.server/local-dos"
    printf '%s\n' '#comment' '  # indented pattern' ' 	 ' '' '#  another comment' \
        > "$1/ignore.d.server/local-indent"
}

# run-parts naming (§2): foo.bak, foo~, x.dpkg-old, local.conf and files in
# subdirectories are skipped, so their rules must have no effect; symlinks
# to regular files are used.
tree_runparts() {
    d=$1/ignore.d.server
    printf '%s\n' 'skipped-bak$' > "$d/foo.bak"
    printf '%s\n' 'skipped-tilde$' > "$d/foo~"
    printf '%s\n' 'skipped-dpkg-old$' > "$d/x.dpkg-old"
    printf '%s\n' 'skipped-local-conf$' > "$d/local.conf"
    mkdir "$d/sub" && printf '%s\n' 'skipped-subdir$' > "$d/sub/inner"
    printf '%s\n' 'bakalert$' > "$1/cracking.d/evil.bak"
    printf '%s\n' 'bakalert$' > "$1/violations.d/evil~"
    printf '%s\n' 'FAILED SU' > "$1/violations.ignore.d/local.conf"
    printf '%s\n' 'via symlink$' > "$1/linked-ignore"
    ln -s ../linked-ignore "$d/linked"
    printf '%s\n' 'symlinkalert$' > "$1/linked-cracking"
    ln -s ../linked-cracking "$1/cracking.d/linkcrack"
}

# Every line ignored at every level: logcheck prints nothing at all.
tree_ignore_all() {
    printf '%s\n' '.*' > "$1/ignore.d.paranoid/local-everything"
}

# An invalid ERE on line 3 of an ignore.d.server file: grep -E rejects it,
# logcheck's "grep -v | cat" hides the failure and System Events vanish.
tree_broken() {
    printf '%s\n' '# a comment' 'harmless pattern that matches nothing$' '^(foo' \
        > "$1/ignore.d.server/local-broken"
}
