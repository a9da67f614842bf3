# Included by content/blog/runbooks.md (step "count-words"): the page shows this file and
# `sitegen run` executes it, so the two cannot drift apart.
words=$(wc -w < "$WORK_DIR/greeting.txt")
echo "greeting.txt has $words words"
