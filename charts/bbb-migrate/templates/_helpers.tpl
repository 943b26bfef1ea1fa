{{/* Names, labels and small computed values shared by the templates. */}}

{{- define "bbb-migrate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource-name prefix; 63 characters minus room for the longest suffix ("-operator"). */}}
{{- define "bbb-migrate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bbb-migrate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bbb-migrate.labels" -}}
helm.sh/chart: {{ include "bbb-migrate.chart" . }}
{{ include "bbb-migrate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bbb-migrate
{{- end }}

{{- define "bbb-migrate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bbb-migrate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "bbb-migrate.operatorSelectorLabels" -}}
{{ include "bbb-migrate.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "bbb-migrate.operatorServiceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (printf "%s-operator" (include "bbb-migrate.fullname" .)) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "bbb-migrate.recorderServiceAccountName" -}}
{{- default (printf "%s-recorder" (include "bbb-migrate.fullname" .)) .Values.recorder.serviceAccount.name }}
{{- end }}

{{/* "repository:tag" or "repository@digest"; the tag defaults to the chart's appVersion. */}}
{{- define "bbb-migrate.image" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository (default .appVersion .tag) }}
{{- end }}
{{- end }}

{{- define "bbb-migrate.operatorImage" -}}
{{- include "bbb-migrate.image" (merge (dict "appVersion" .Chart.AppVersion) .Values.operator.image) }}
{{- end }}

{{- define "bbb-migrate.recorderImage" -}}
{{- include "bbb-migrate.image" (merge (dict "appVersion" .Chart.AppVersion) .Values.recorder.image) }}
{{- end }}

{{/* The watched namespaces (a list; the release namespace when none is given). */}}
{{- define "bbb-migrate.watchNamespaces" -}}
{{- $namespaces := .Values.watch.namespaces | default (list .Release.Namespace) }}
{{- toJson (uniq $namespaces) }}
{{- end }}

{{/* The shared volume's claim name ("" when the volume is off). */}}
{{- define "bbb-migrate.sharedClaimName" -}}
{{- if .Values.sharedVolume.enabled }}
{{- default (printf "%s-shared" (include "bbb-migrate.fullname" .)) .Values.sharedVolume.existingClaim }}
{{- end }}
{{- end }}
