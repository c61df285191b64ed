# The commands README.md names. Each creates the virtualenv it needs on first use:
# .venv for running and testing, .venv-deploy (runtime requirements only) for packaging and deploying.
PYTHON3 ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEPLOY_VENV ?= .venv-deploy
DEPLOY_BIN := $(DEPLOY_VENV)/bin
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
GATEWAY_PORT ?= 8000
STAGE ?= dev
PACKAGE = dist/loopback-$(STAGE).zip
# Zappa packages the virtualenv named by VIRTUAL_ENV, so it is always the deploy-only one:
# a package built from .venv would carry pytest, moto and the rest.
ZAPPA := VIRTUAL_ENV=$(abspath $(DEPLOY_VENV)) $(DEPLOY_BIN)/zappa

.PHONY: run run-gateway test lint format venv deploy-venv package deploy smoke bench clean

$(STAMP): requirements.txt requirements-dev.txt requirements-bench.txt
	$(PYTHON3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(DEPLOY_STAMP): requirements.txt
	$(PYTHON3) -m venv $(DEPLOY_VENV)
	$(DEPLOY_BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

## venv: create .venv with the runtime and development requirements
venv: $(STAMP)

## deploy-venv: create .venv-deploy with the runtime requirements only
deploy-venv: $(DEPLOY_STAMP)

## run: serve the app with `flask run` on http://127.0.0.1:5000 (stage: $LOOPBACK_STAGE, default local)
run: $(STAMP)
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## run-gateway: serve STAGE through Zappa's Lambda handler as API Gateway would, on http://127.0.0.1:8000/$(STAGE)/
##              (a REST API; HTTP_API=1 for an HTTP API's payload 2.0 events)
run-gateway: $(STAMP)
	$(BIN)/python -m local_gateway --stage $(STAGE) --host $(HOST) --port $(GATEWAY_PORT) $(if $(HTTP_API),--http-api)

## test: lint, check formatting, run every test (the package and deploy tests use .venv-deploy)
test: $(STAMP) $(DEPLOY_STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## package: build dist/loopback-$(STAGE).zip with `zappa package`, then add bytecode Lambda can use
package: $(DEPLOY_STAMP)
	@mkdir -p dist
	$(ZAPPA) package $(STAGE) -o $(PACKAGE)
	$(DEPLOY_BIN)/python deploy/bytecode.py $(PACKAGE)

## deploy: deploy STAGE's package the first time, update it after that
deploy: package
	@if grep -q CHANGE-ME zappa_settings.json; then \
		echo "zappa_settings.json: set each stage's s3_bucket to a bucket name you own (see README)"; exit 1; fi
	@# `zappa deploy -z` skips creating the execution role, so a first deploy lets Zappa build everything;
	@# every deploy then uploads the package above.
	$(ZAPPA) status $(STAGE) > /dev/null || $(ZAPPA) deploy $(STAGE)
	$(ZAPPA) update $(STAGE) -z $(PACKAGE)

## smoke: GET /health of the deployed STAGE; fails unless it answers 200 with that stage
smoke: $(DEPLOY_STAMP)
	$(DEPLOY_BIN)/python deploy/smoke.py $(STAGE)

## bench: build the prod package and measure it against its baselines and peers;
##        writes bench/results.md, bench/results.png and bench/results.json (about 5 minutes)
bench: $(STAMP) $(DEPLOY_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) dist .pytest_cache .ruff_cache
