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

{{- define "quantserve.webhook.validatingName" -}}
{{- printf "%s-validation" (include "quantserve.fullname" .) -}}
{{- end -}}

{{- define "quantserve.webhook.mutatingName" -}}
{{- printf "%s-defaults" (include "quantserve.fullname" .) -}}
{{- end -}}

{{/* True (non-empty) when the operator generates the webhook certificate and fills caBundle itself. */}}
{{- define "quantserve.webhook.operatorManagesCertificate" -}}
{{- if and .Values.webhook.enabled (not .Values.webhook.certManager.enabled) -}}true{{- end -}}
{{- end -}}

{{/* The annotation that makes cert-manager's CA injector fill caBundle. */}}
{{- define "quantserve.webhook.annotations" -}}
{{- if .Values.webhook.certManager.enabled }}
annotations:
  cert-manager.io/inject-ca-from: {{ printf "%s/%s-webhook" .Release.Namespace (include "quantserve.fullname" .) }}
{{- end }}
{{- end -}}
