"""Reads Markdown on stdin and prints how a CommonMark viewer with GitHub's tables and strikethrough (and raw HTML
allowed, as GitHub allows it) parses it: the rendered HTML and the block tokens, each inline one with the kinds of
its children and its text as a reader sees it. Used by tests/registry/model-card.test.ts."""
import json
import sys

from markdown_it import MarkdownIt

TEXT = {"text": lambda child: child.content, "softbreak": lambda child: "\n", "hardbreak": lambda child: "\n",
        "code_inline": lambda child: child.content}


def main() -> None:
    source = sys.stdin.read()
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    blocks = []
    for token in md.parse(source):
        entry = {"type": token.type, "tag": token.tag}
        if token.type == "inline":
            children = token.children or []
            entry["children"] = sorted({child.type for child in children})
            entry["text"] = "".join(TEXT.get(child.type, lambda child: "")(child) for child in children)
        if token.type in ("fence", "code_block", "html_block"):
            entry["text"] = token.content
        blocks.append(entry)
    json.dump({"html": md.render(source), "blocks": blocks}, sys.stdout)


if __name__ == "__main__":
    main()
