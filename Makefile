# The commands README.md names. Each installs what it needs on first use, from uv.lock (pinned by hash):
#   .venv-uv      uv itself, installed with pip from requirements-uv.txt
#   .venv         the app's dependencies (`make run`), plus the dev and bench groups for `make test`
#   .venv-package exactly what the Lambda package carries (deploy/package_requirements.py), for x86_64 functions;
#                 .venv-package-arm64 the same for arm64 ones. Zappa packages the one of the stage's architecture
# The Python of the Lambda runtime (zappa_settings.json's "runtime"), as .python-version states it:
# every virtualenv is built with it, because the package's bytecode and compiled wheels must match Lambda's.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON3 ?= python$(PYTHON_VERSION)
VENV ?= .venv
BIN := $(VENV)/bin
UV_VENV := .venv-uv
UV ?= $(UV_VENV)/bin/uv
# One package virtualenv per Lambda architecture, its compiled wheels for that processor (uv installs them for a
# platform other than this machine's, from uv.lock's hashes). STAGE's "architecture" in zappa_settings.json picks
# one; deploy/runtime.py reads it with the standard library, since no virtualenv may exist yet. An unknown stage
# or architecture falls back to x86_64 here, and `make package` then stops at deploy/runtime.py's check.
STAGE ?= dev
PACKAGE_VENV_x86_64 := .venv-package
PACKAGE_VENV_arm64 := .venv-package-arm64
ARCHITECTURE := $(shell $(PYTHON3) -m deploy.runtime --architecture $(STAGE) 2>/dev/null)
PACKAGE_VENV := $(or $(PACKAGE_VENV_$(ARCHITECTURE)),$(PACKAGE_VENV_x86_64))
HOST ?= 127.0.0.1
PORT ?= 5000
GATEWAY_PORT ?= 8000
PACKAGE = dist/loopback-$(STAGE).zip
# uv installs into .venv, with the Python this Makefile is given, and never downloads one.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
export UV_COMPILE_BYTECODE := 1
# Zappa packages the virtualenv named by VIRTUAL_ENV: always the package one, never .venv with its tools.
ZAPPA_CLI ?= $(BIN)/zappa
ZAPPA := VIRTUAL_ENV=$(abspath $(PACKAGE_VENV)) $(ZAPPA_CLI)
# Only the app's own dependencies; keeps the dev tools if `make test` installed them.
SYNC_RUNTIME := $(UV) sync --locked --quiet --inexact --no-default-groups --python $(PYTHON3)
# The app's dependencies and what deploying needs beyond them (slack-sdk): the `deploy` group, never packaged.
SYNC_DEPLOY := $(SYNC_RUNTIME) --group deploy

EMPTY :=
ifeq ($(filter clean,$(MAKECMDGOALS)),)
FOUND_VERSION := $(shell $(PYTHON3) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(FOUND_VERSION),$(PYTHON_VERSION))
$(info This project runs on Python $(PYTHON_VERSION), the Lambda runtime python$(PYTHON_VERSION) (.python-version);)
$(info `$(PYTHON3)` $(if $(FOUND_VERSION),is Python $(FOUND_VERSION),was not found). Install Python $(PYTHON_VERSION) with one of:)
$(info $(EMPTY)  pyenv install $(PYTHON_VERSION)        then run make again here: .python-version selects it)
$(info $(EMPTY)  uv python install $(PYTHON_VERSION)    then: make PYTHON3="$$(uv python find $(PYTHON_VERSION))" ...)
$(info $(EMPTY)  sudo apt install python$(PYTHON_VERSION) python$(PYTHON_VERSION)-venv   (Debian, Ubuntu; deadsnakes PPA on older Ubuntu))
$(info $(EMPTY)  brew install python@$(PYTHON_VERSION)     (macOS))
$(info or name an installed one: make PYTHON3=/path/to/python$(PYTHON_VERSION) ...)
$(error Python $(PYTHON_VERSION) is missing)
endif
endif

.PHONY: run run-gateway test test-quick fuzz contract openapi lint format venv package-venv check-settings package deploy smoke \
	certify notify bench clean

$(UV): requirements-uv.txt
	$(PYTHON3) -m venv --without-pip $(UV_VENV)
	$(PYTHON3) -m pip --python $(UV_VENV)/bin/python install --quiet --require-hashes -r requirements-uv.txt
	touch $@

## venv: create .venv with the app's dependencies and the dev and bench tools
venv: $(UV)
	$(UV) sync --locked --quiet --python $(PYTHON3)

## package-venv: create .venv-package and .venv-package-arm64 with exactly what the Lambda package carries,
##              with compiled wheels for x86_64 and arm64 functions
package-venv: $(PACKAGE_VENV_x86_64)/.installed $(PACKAGE_VENV_arm64)/.installed

# Lambda's python3.13 runs on Amazon Linux 2023, whose glibc is 2.34: wheels for it and older.
$(PACKAGE_VENV_x86_64)/.installed: PYTHON_PLATFORM := x86_64-manylinux_2_34
$(PACKAGE_VENV_arm64)/.installed: PYTHON_PLATFORM := aarch64-manylinux_2_34
# --no-build: a source distribution would be compiled for this machine, not for the function's.
$(PACKAGE_VENV_x86_64)/.installed $(PACKAGE_VENV_arm64)/.installed: %/.installed: uv.lock deploy/package_requirements.py $(UV)
	$(SYNC_RUNTIME)
	$(UV) venv --quiet --allow-existing --python $(BIN)/python $*
	UV=$(UV) $(BIN)/python deploy/package_requirements.py > $*/requirements.txt
	$(UV) pip sync --quiet --require-hashes --no-build --python-platform $(PYTHON_PLATFORM) \
		--python $*/bin/python $*/requirements.txt
	touch $@

## run: serve the app on http://127.0.0.1:5000 with Werkzeug's development server (app/dev_server.py: `flask run`'s,
##      with JSON for the server's own errors), reloading on code changes
##      (stage: $LOOPBACK_STAGE, default local); installs only the app's dependencies
run: $(UV)
	$(SYNC_RUNTIME)
	$(BIN)/python -m app.dev_server --host $(HOST) --port $(PORT)

## run-gateway: serve STAGE through Zappa's Lambda handler as API Gateway would, on http://127.0.0.1:8000/$(STAGE)/
##              (a REST API; HTTP_API=1 for an HTTP API's payload 2.0 events; PACKAGED=1 to build
##              dist/loopback-$(STAGE).zip first and run that package as Lambda would, not the source tree;
##              CUSTOM_DOMAIN=1 to serve it as reached through its custom domain, at http://127.0.0.1:8000/)
run-gateway: venv $(if $(PACKAGED),package)
	$(BIN)/python -m local_gateway --stage $(STAGE) --host $(HOST) --port $(GATEWAY_PORT) \
		$(if $(HTTP_API),--http-api) $(if $(PACKAGED),--package $(PACKAGE)) $(if $(CUSTOM_DOMAIN),--custom-domain)

## test: lint, check formatting, run every test
test: venv package-venv lint
	$(BIN)/python -m pytest

## fuzz: the event fuzzing's long mode: FUZZ_EXAMPLES (10,000) generated events, new ones each run (`make test`
##       runs the same 360 every time)
FUZZ_EXAMPLES ?= 10000
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/loopback/test_fuzz_events.py -q -p no:cacheprovider

## contract: the contract test's long mode: CONTRACT_EXAMPLES (2,000) requests per operation generated from the
##           served /openapi.json by schemathesis, every answer checked against it (`make test` runs fewer)
CONTRACT_EXAMPLES ?= 2000
contract: venv
	CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) $(BIN)/python -m pytest tests/contract -q -p no:cacheprovider

## test-quick: every test but the slow ones (packages, deploys, servers, the bench)
test-quick: venv
	$(BIN)/python -m pytest -m "not slow" -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## check-settings: stop unless STAGE's settings in zappa_settings.json are filled in (its S3 bucket) and its execution
##                 role's policy allows what its settings ask for (deploy/permissions.py)
check-settings: $(UV)
	$(SYNC_RUNTIME)
	$(BIN)/python -m deploy.placeholders $(STAGE)
	$(BIN)/python -m deploy.permissions check $(STAGE)

## package: build dist/loopback-$(STAGE).zip with `zappa package` from the package virtualenv of the stage's
##          architecture, then add bytecode Lambda can use; stops first unless .venv's Python and that
##          virtualenv match the stage's runtime and architecture (deploy/runtime.py)
# Zappa itself only names the architecture to Lambda (CreateFunction's Architectures): with use_precompiled_packages
# false, `zappa package` copies the virtualenv's files as they are, so the wheels must already be the function's.
package: $(PACKAGE_VENV)/.installed
	$(BIN)/python -m deploy.runtime $(STAGE) --venv $(PACKAGE_VENV)
	@mkdir -p dist
	$(ZAPPA) package $(STAGE) -o $(PACKAGE)
	$(BIN)/python deploy/bytecode.py $(PACKAGE)

## deploy: check STAGE's settings, build its package, deploy it the first time and update it after that, apply its
##         cost guards and log retention (deploy/guards.py), then smoke-check it (deploy/smoke.py); when the check
##         fails, roll it back to the version before (`zappa rollback STAGE -n 1`) and fail. Each outcome is posted to
##         Slack when SLACK_WEBHOOK_URL is set (deploy/release.py, deploy/notify.py). SMOKE_URL: check that URL instead
##         of the stage's API Gateway URL
deploy: check-settings
	$(SYNC_DEPLOY)
	$(BIN)/python -m deploy.guards --check $(STAGE)
	$(MAKE) --no-print-directory package STAGE=$(STAGE) || \
		{ $(BIN)/python -m deploy.notify deploy-failed --stage $(STAGE) --detail "make package failed"; exit 1; }
	$(BIN)/python -m deploy.release $(STAGE) --package $(PACKAGE) --zappa "$(ZAPPA_CLI)" --venv $(PACKAGE_VENV) \
		$(if $(SMOKE_URL),--smoke-url "$(SMOKE_URL)")

## smoke: check the deployed STAGE as `make deploy` does after each deploy: GET /health, and a POST to the loopback
##        (deploy/smoke.py); fails unless both answer as STAGE should
smoke: $(UV)
	$(SYNC_RUNTIME)
	$(BIN)/python -m deploy.smoke $(STAGE) $(if $(SMOKE_URL),--url "$(SMOKE_URL)")

## certify: create STAGE's custom domain (its "domain", with the ACM certificate "certificate_arn") in API Gateway, map
##          it to the stage and, with "route53_enabled", point its DNS record at it; again after a change, to update it
certify: check-settings
	$(ZAPPA) certify $(STAGE) --yes

## notify: post EVENT (deployed, deploy-failed, rolled-back, ci-failed) for STAGE to the Slack incoming webhook in
##         $$SLACK_WEBHOOK_URL, with DETAIL; posts nothing without it, and never fails
# DETAIL reaches the command through the environment, as given: make expands no `$` in it, the shell no quote.
notify: override export DETAIL := $(value DETAIL)
notify: $(UV)
	$(SYNC_DEPLOY)
	$(BIN)/python -m deploy.notify $(EVENT) --stage "$(STAGE)" --detail "$$DETAIL"

## openapi: write dist/openapi-$(STAGE).json, the OpenAPI description with API Gateway's extensions for STAGE
##          (each operation an aws_proxy integration to STAGE's function), to create or update its REST API from
openapi: venv
	@mkdir -p dist
	$(BIN)/python -m deploy.openapi $(STAGE) --output dist/openapi-$(STAGE).json

## bench: build the prod package and measure it against its baselines and peers;
##        writes bench/results.md, bench/results.png and bench/results.json
bench: venv package-venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(UV_VENV) $(PACKAGE_VENV_x86_64) $(PACKAGE_VENV_arm64) dist .pytest_cache .ruff_cache
