-- Argo CD health of a quantserve.dev QuantizationJob.
-- Progressing until the operator has seen the current generation and the run has finished;
-- Degraded on a True Failed or Degraded condition or the Failed phase; Healthy once Succeeded.
local hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and obj.status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local byType = {}
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    byType[condition.type] = condition
  end
end
for _, kind in ipairs({ "Failed", "Degraded" }) do
  local condition = byType[kind]
  if condition ~= nil and condition.status == "True" then
    hs.status = "Degraded"
    hs.message = condition.message or condition.reason or kind
    return hs
  end
end
if obj.status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "Calibration failed"
  return hs
end
local complete = byType["Complete"] or byType["Ready"]
if obj.status.phase == "Succeeded" or (complete ~= nil and complete.status == "True") then
  hs.status = "Healthy"
  hs.message = (complete and complete.message ~= "" and complete.message) or ("Weights at " .. tostring(obj.status.outputPath))
  return hs
end
hs.status = "Progressing"
local progressing = byType["Progressing"]
hs.message = (progressing and progressing.message ~= "" and progressing.message) or ("Phase " .. tostring(obj.status.phase or "Pending"))
return hs
