#!/usr/bin/env bash
# End-to-end check on a throwaway kind cluster, for machines with Docker: builds both images, loads them
# into kind, installs the chart, and applies a sample InferenceService. kind nodes have no GPU, so the
# serving pod stays Pending: the check is that the operator reconciles (Deployment and Service created,
# the InferenceService reports Unschedulable) behind working admission webhooks.
#   tools/e2e-kind.sh            KEEP_CLUSTER=1 leaves the cluster up afterwards
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in docker kind helm kubectl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: cannot run here: missing ${missing[*]} (it needs Docker, kind, helm and kubectl)." >&2
  exit 2
fi
docker info >/dev/null 2>&1 || { echo "e2e: cannot run here: no Docker engine answers (docker info failed)." >&2; exit 2; }

cluster=${KIND_CLUSTER:-quantserve-e2e}
tag=${IMAGE_TAG:-e2e}
registry=${IMAGE_REGISTRY:-ghcr.io/quantserve}
namespace=quantserve-system

cleanup() { [ "${KEEP_CLUSTER:-0}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker build -f operator/Dockerfile -t "$registry/quantserve-operator:$tag" .
docker build -f server-image/Dockerfile -t "$registry/quantserve:$tag" .
kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 120s
kind load docker-image --name "$cluster" "$registry/quantserve-operator:$tag" "$registry/quantserve:$tag"
kubectl config use-context "kind-$cluster" >/dev/null

helm upgrade --install quantserve charts/quantserve --namespace "$namespace" --create-namespace --wait --timeout 5m \
  --set operator.image.repository="$registry/quantserve-operator" --set operator.image.tag="$tag" \
  --set inferenceServiceDefaults.image.repository="$registry/quantserve" --set inferenceServiceDefaults.image.tag="$tag"
kubectl -n "$namespace" rollout status deployment/quantserve-operator --timeout 120s

kubectl apply -f crds/samples/inferenceservice-awq.yaml
name=$(kubectl create --dry-run=client -o jsonpath='{.metadata.name}' -f crds/samples/inferenceservice-awq.yaml)
for _ in $(seq 1 60); do
  kubectl get deployment "$name" >/dev/null 2>&1 && kubectl get service "$name" >/dev/null 2>&1 && break
  sleep 2
done
kubectl get deployment "$name" && kubectl get service "$name"
for _ in $(seq 1 60); do
  reason=$(kubectl get inferenceservice "$name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')
  [ "$reason" = Unschedulable ] && break
  sleep 2
done
echo "InferenceService $name: Ready reason ${reason:-none} (kind has no GPUs)"
[ "$reason" = Unschedulable ] || { kubectl describe inferenceservice "$name"; exit 1; }

# With failurePolicy Fail, the sample's creation above already went through both webhooks over TLS with the
# chart's certificate. An invalid object is refused with its field named.
if kubectl apply -f - <<'YAML' 2>/tmp/quantserve-e2e-webhook.txt; then
apiVersion: quantserve.dev/v1alpha1
kind: InferenceService
metadata:
  name: e2e-invalid
spec:
  model:
    id: Qwen/Qwen2.5-0.5B-Instruct
  quantize: exl2
  shards: 2
YAML
  echo "e2e: an exl2 InferenceService with 2 shards was accepted" >&2
  exit 1
fi
cat /tmp/quantserve-e2e-webhook.txt
echo "e2e: passed"
