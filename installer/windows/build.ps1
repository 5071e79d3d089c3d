# Builds CaseReview's Windows installer on a Windows machine (10 or 11, 64-bit) with Python 3.11 and NSIS:
#   winget install Python.Python.3.11 NSIS.NSIS     (or python.org and nsis.sourceforge.io)
#   powershell -ExecutionPolicy Bypass -File installer\windows\build.ps1
# Out: dist\casereview\ (the bundle, checked with its --self-test) and dist\CaseReview-VERSION-setup.exe.
# .github/workflows/windows.yml runs this on a Windows runner.
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")
$started = Get-Date

$python = if ($env:PYTHON) { $env:PYTHON } else { "py" }
$pyArgs = if ($python -eq "py") { @("-3.11") } else { @() }
if (-not (Test-Path .venv\Scripts\python.exe)) {
    & $python @pyArgs -m venv .venv
    if ($LASTEXITCODE) { throw "Could not create .venv with Python 3.11" }
}
$py = (Resolve-Path .venv\Scripts\python.exe).Path
& $py -m pip install --quiet --disable-pip-version-check --upgrade pip
& $py -m pip install --quiet --disable-pip-version-check -e ".[build]"
if ($LASTEXITCODE) { throw "pip install failed" }

Remove-Item -Recurse -Force dist\casereview, build\pyinstaller -ErrorAction SilentlyContinue
& $py -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build\pyinstaller installer\casereview.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
$version = (Get-Content dist\casereview\VERSION).Trim()

# The bundle as shipped: the windowed program writes its self-test report to %TEMP%\casereview-self-test.txt
$report = Join-Path $env:TEMP "casereview-self-test.txt"
Remove-Item $report -ErrorAction SilentlyContinue
$test = Start-Process -FilePath dist\casereview\casereview.exe -ArgumentList "--self-test" -Wait -PassThru
Get-Content $report
if ($test.ExitCode -ne 0) { throw "The bundle's self-test failed (exit code $($test.ExitCode))" }

$makensis = (Get-Command makensis -ErrorAction SilentlyContinue).Source
if (-not $makensis) { $makensis = "${env:ProgramFiles(x86)}\NSIS\makensis.exe" }
& $py installer\windows\filelist.py dist\casereview installer\windows
& $makensis /V2 "/DVERSION=$version" installer\windows\casereview.nsi
if ($LASTEXITCODE) { throw "makensis failed" }
$setup = "dist\CaseReview-$version-setup.exe"
$mb = [math]::Round((Get-Item $setup).Length / 1MB)
$bundleMb = [math]::Round(((Get-ChildItem -Recurse dist\casereview | Measure-Object Length -Sum).Sum) / 1MB)
Write-Host "Built: $setup ($mb MB; installed $bundleMb MB) in $([int]((Get-Date) - $started).TotalSeconds) s"
