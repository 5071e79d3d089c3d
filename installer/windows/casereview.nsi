; CaseReview's Windows installer: per user, no administrator rights.
;   makensis /DVERSION=0.1.0 /DSOURCE=../../dist/casereview /DOUTFILE=../../dist/CaseReview-0.1.0-setup.exe casereview.nsi
; build.ps1 runs it after PyInstaller; it first writes files.nsh and unfiles.nsh (filelist.py): every file of the
; bundle, to install and to remove again, so the uninstaller removes exactly what was installed and nothing else.
; Installs to %LOCALAPPDATA%\Programs\CaseReview, adds a Start-menu entry and an uninstaller registered under HKCU.
; Silent: CaseReview-VERSION-setup.exe /S (and /D=C:\other\folder as the last argument for another folder);
; silent removal: "%LOCALAPPDATA%\Programs\CaseReview\uninstall.exe" /S.
; Case files, backups and settings are in %LOCALAPPDATA%\CaseReview and the user's Documents, never in the
; program's folder: installing a new version or uninstalling leaves them alone.

Unicode true
!ifndef VERSION
  !error "Give the version: makensis /DVERSION=x.y.z"
!endif
!ifndef SOURCE
  !define SOURCE "../../dist/casereview"
!endif
!ifndef OUTFILE
  !define OUTFILE "../../dist/CaseReview-${VERSION}-setup.exe"
!endif
!ifdef NOCOMPRESS  ; the Linux test compiles the script only: no time spent compressing
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif

!define APP "CaseReview"
!define EXE "casereview.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
SetOverwrite on
ShowInstDetails nevershow
ShowUninstDetails nevershow
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${APP}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=1033 "LegalCopyright" "CaseReview maintainers; Qt and PySide6 under the LGPL-3.0"

!include "size.nsh"  ; ESTIMATED_KB, written by filelist.py
!include "MUI2.nsh"
!define MUI_ICON "../../resources/icons/casereview.ico"
!define MUI_UNICON "../../resources/icons/casereview.ico"
!define MUI_ABORTWARNING
!define MUI_LICENSEPAGE_TEXT_TOP "CaseReview includes the software below, each under its own licence."
!define MUI_LICENSEPAGE_BUTTON "&Next >"
!define MUI_LICENSEPAGE_TEXT_BOTTOM "Qt and PySide6 are under the GNU LGPL 3.0; the full texts are installed with CaseReview and shown in Help > About."
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start CaseReview now"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "../../resources/licenses/THIRD-PARTY.txt"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Section "CaseReview" SecMain
  SectionIn RO
  ; a version installed before: its program files go first (the user's files are elsewhere and stay)
  IfFileExists "$INSTDIR\uninstall.exe" 0 +2
    ExecWait '"$INSTDIR\uninstall.exe" /S _?=$INSTDIR'
  SetOutPath "$INSTDIR"
  !include "files.nsh"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "Software\${APP}" "Version" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "CaseReview maintainers"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" ${ESTIMATED_KB}
SectionEnd

Section "Uninstall"
  ; exactly the files installed (unfiles.nsh), then the folders they leave empty: never a whole-folder removal,
  ; so nothing the user put in the program's folder is lost
  !include "unfiles.nsh"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
SectionEnd
