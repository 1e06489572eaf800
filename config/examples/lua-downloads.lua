-- Used by lua-downloads.json: sorts each new download into a kind and reports the risky ones as a
-- "download.risky" event that another rule logs. Runs in a fresh sandbox per event.

local kinds = {
  exe = "program", msi = "program", bat = "script", ps1 = "script", js = "script",
  zip = "archive", ["7z"] = "archive", pdf = "document", docx = "document",
}
local risky = { program = true, script = true }

function classify(t)
  if t.is_dir then return end
  local kind = kinds[(t.ext or ""):lower()] or "other"
  log.info(json.encode({ file = t.name, kind = kind }))
  if risky[kind] then
    emit("download.risky", { path = t.path, name = t.name, kind = kind })
  end
end
