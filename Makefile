# The few targets a person types. The README's two commands are `demo` and
# `test`; they install what they need on a fresh Debian 12 machine as root.

SAMPLE_TRANSPORTS = fax-g4-fine-pdf,fax-g3-fine-pdf,fax-g4-normal-pdf,fax-g3-normal-pdf,fax-g4-fine-tiff,scan-gray-200

.PHONY: demo test lint sample build soak

build:
	go build -o intake ./cmd/intake

demo:
	./scripts/demo.sh

test:
	./scripts/test.sh

lint:
	gofmt -l . && go vet ./...

# The committed sample corpus: 40 submissions, messages and ground truth
# only (the attachments are inside the .eml files), a few MB.
sample: build
	rm -f testdata/sample/sub-* testdata/sample/corpus.json
	./intake corpus --out testdata/sample --count 40 --seed 7 --as-of 2026-11-20 --transports $(SAMPLE_TRANSPORTS)
	find testdata/sample -name 'sub-*' ! -name '*.eml' ! -name '*.json' -delete

# The soak test: 300 generated faxes through `intake work` from a Dovecot
# mailbox while the worker is killed and PostgreSQL and Dovecot restarted
# (5-10 minutes on two cores; `make test` runs it too, this target alone and verbose).
soak:
	go test -count=1 -timeout 60m -run '^TestSoak$$' -v ./work
