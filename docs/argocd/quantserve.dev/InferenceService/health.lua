-- Argo CD health of a quantserve.dev InferenceService.
-- Progressing until the operator has seen the current generation and Ready is True;
-- Degraded on a True Degraded condition or the Failed phase; Healthy when Ready is True.
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
local ready, degraded
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then ready = condition end
    if condition.type == "Degraded" then degraded = condition end
  end
end
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.message or degraded.reason or "Degraded"
  return hs
end
if obj.status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = (ready and ready.message) or "InferenceService failed"
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
  return hs
end
hs.status = "Progressing"
hs.message = (ready and ready.message) or ("Phase " .. tostring(obj.status.phase or "Pending"))
return hs
