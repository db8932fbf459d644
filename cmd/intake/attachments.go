package main

import (
	"github.com/lausd/misis-intake/corpus"
	"github.com/lausd/misis-intake/eval"
)

// evalAttachments reads a submission's attachments from the loose files
// the generator wrote.
func evalAttachments(dir string, t *corpus.Truth) ([][]byte, error) {
	return eval.LooseFiles(dir, t)
}
