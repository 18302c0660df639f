{{/* Names, labels and images shared by every template. */}}

{{- define "quantserve.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-<chart>", or the release name alone when it already contains the chart name. */}}
{{- define "quantserve.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "quantserve.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "quantserve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "quantserve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "quantserve.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "quantserve.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "quantserve.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "quantserve.operatorImage" -}}
{{- $image := .Values.operator.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "quantserve.servingImage" -}}
{{- $image := .Values.inferenceServiceDefaults.image -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "quantserve.webhook.serviceName" -}}
{{- printf "%s-webhook" (include "quantserve.fullname" .) -}}
{{- end -}}

{{- define "quantserve.webhook.secretName" -}}
{{- printf "%s-webhook-tls" (include "quantserve.fullname" .) -}}
{{- end -}}

{{- define "quantserve.webhook.issuerName" -}}
{{- printf "%s-webhook-selfsigned" (include "quantserve.fullname" .) -}}
{{- end -}}

{{/*
The self-signed webhook certificate (cert-manager off). The Secret and both webhook configurations need
the same CA, but each template renders on its own: the first caller generates (or, on upgrade, looks up
the Secret already in the cluster) and memoises it on the root context; later callers reuse it.
*/}}
{{- define "quantserve.webhook.generatedCertificate" -}}
{{- if not (hasKey . "quantserveWebhookCertificate") -}}
{{- $certificate := dict -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "quantserve.webhook.secretName" .) -}}
{{- if and $existing $existing.data (index $existing.data "ca.crt") (index $existing.data "tls.crt") (index $existing.data "tls.key") -}}
{{- $_ := set $certificate "caCrt" (index $existing.data "ca.crt") -}}
{{- $_ := set $certificate "tlsCrt" (index $existing.data "tls.crt") -}}
{{- $_ := set $certificate "tlsKey" (index $existing.data "tls.key") -}}
{{- else -}}
{{- $service := include "quantserve.webhook.serviceName" . -}}
{{- $days := int .Values.webhook.generatedCertificate.validityDays -}}
{{- $ca := genCA (printf "%s-webhook-ca" (include "quantserve.fullname" .)) $days -}}
{{- $names := list $service (printf "%s.%s" $service .Release.Namespace) (printf "%s.%s.svc" $service .Release.Namespace) (printf "%s.%s.svc.cluster.local" $service .Release.Namespace) -}}
{{- $leaf := genSignedCert (printf "%s.%s.svc" $service .Release.Namespace) nil $names $days $ca -}}
{{- $_ := set $certificate "caCrt" ($ca.Cert | b64enc) -}}
{{- $_ := set $certificate "tlsCrt" ($leaf.Cert | b64enc) -}}
{{- $_ := set $certificate "tlsKey" ($leaf.Key | b64enc) -}}
{{- end -}}
{{- $_ := set . "quantserveWebhookCertificate" $certificate -}}
{{- end -}}
{{- end -}}

{{/* The CA bundle of the generated webhook certificate (base64). */}}
{{- define "quantserve.webhook.caBundle" -}}
{{- include "quantserve.webhook.generatedCertificate" . -}}
{{- index . "quantserveWebhookCertificate" "caCrt" -}}
{{- end -}}

{{/* The annotation that makes cert-manager's CA injector fill caBundle. */}}
{{- define "quantserve.webhook.annotations" -}}
{{- if .Values.webhook.certManager.enabled }}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s-webhook" .Release.Namespace (include "quantserve.fullname" .) }}
{{- end }}
{{- end -}}

{{/* Checksum of the generated webhook certificate ("none" with cert-manager or without webhooks). */}}
{{- define "quantserve.webhook.certificateChecksum" -}}
{{- if and .Values.webhook.enabled (not .Values.webhook.certManager.enabled) -}}
{{- include "quantserve.webhook.generatedCertificate" . -}}
{{- index . "quantserveWebhookCertificate" "tlsCrt" | sha256sum | quote -}}
{{- else -}}
"none"
{{- end -}}
{{- end -}}
