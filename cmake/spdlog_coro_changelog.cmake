# spdlog_coro_changelog.cmake - the .deb's changelogs, made from the project's CHANGELOG.md.
#
# spdlog_coro_deb_changelogs(<dir> <package> <maintainer>) writes into <dir>:
#   changelog.Debian.gz  Debian's changelog format (deb-changelog(5)), one entry per released
#                        section of CHANGELOG.md, newest first, each bullet a "  * " item
#                        wrapped at 78 columns, dated with the section's date at 00:00 UTC;
#   changelog.gz         CHANGELOG.md itself (the upstream changelog).
# Both compressed with `gzip -9n` (maximal, no name or time stamp: the package is
# reproducible), as lintian asks. CHANGELOG.md's sections are "## [X.Y.Z] - YYYY-MM-DD"
# (released) and "## [Unreleased]"; the Unreleased bullets form the entry of the project
# version when that version has no section of its own yet, and are left out otherwise (they
# are in changelog.gz). Re-run when CHANGELOG.md changes.

include_guard(GLOBAL)

# spdlog_coro_rfc2822_date(<var> <YYYY-MM-DD>): "Wed, 25 Nov 2026 00:00:00 +0000".
function(spdlog_coro_rfc2822_date var iso)
    if(NOT iso MATCHES "^([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9])$")
        message(FATAL_ERROR "CHANGELOG.md: '${iso}' is not a YYYY-MM-DD date")
    endif()
    set(y "${CMAKE_MATCH_1}")
    math(EXPR m "${CMAKE_MATCH_2}")  # without leading zeros
    math(EXPR d "${CMAKE_MATCH_3}")
    # Sakamoto's day of the week: 0 = Sunday.
    set(offsets 0 3 2 5 0 3 5 1 4 6 2 4)
    math(EXPR index "${m} - 1")
    list(GET offsets ${index} offset)
    set(yy ${y})
    if(m LESS 3)
        math(EXPR yy "${y} - 1")
    endif()
    math(EXPR wd "(${yy} + ${yy} / 4 - ${yy} / 100 + ${yy} / 400 + ${offset} + ${d}) % 7")
    set(days Sun Mon Tue Wed Thu Fri Sat)
    set(months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
    list(GET days ${wd} day)
    list(GET months ${index} month)
    if(d LESS 10)
        set(d "0${d}")
    endif()
    set(${var} "${day}, ${d} ${month} ${y} 00:00:00 +0000" PARENT_SCOPE)
endfunction()

# spdlog_coro_wrap_item(<var> <text>): "  * <text>" wrapped at 78 columns, continuation
# lines indented by four spaces.
function(spdlog_coro_wrap_item var text)
    string(REGEX REPLACE "[ \t\n]+" ";" words "${text}")
    set(out "")
    set(line "  *")
    foreach(word IN LISTS words)
        string(REPLACE "<semicolon>" ";" plain "${line} ${word}")  # see below
        string(LENGTH "${plain}" length)
        if(length GREATER 78 AND NOT line STREQUAL "  *" AND NOT line STREQUAL "   ")
            string(APPEND out "${line}\n")
            set(line "   ")
        endif()
        string(APPEND line " ${word}")
    endforeach()
    string(APPEND out "${line}\n")
    set(${var} "${out}" PARENT_SCOPE)
endfunction()

function(spdlog_coro_deb_changelogs dir package maintainer)
    set(source "${PROJECT_SOURCE_DIR}/CHANGELOG.md")
    set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 "${source}")
    # Lines as a CMake list: the text's own semicolons stand in as "<semicolon>" meanwhile.
    file(READ "${source}" content)
    string(REPLACE ";" "<semicolon>" content "${content}")
    string(REPLACE "\n" ";" lines "${content}")
    find_program(SPDLOG_CORO_GZIP gzip)
    if(NOT SPDLOG_CORO_GZIP)
        message(WARNING "spdlog-coro: no gzip: the .deb will have no changelogs (lintian: "
                        "no-changelog)")
        return()
    endif()

    # Sections: versions, dates and their bullets (a bullet's continuation lines joined).
    set(versions "")
    set(current "")
    set(item "")
    macro(end_item)
        if(NOT item STREQUAL "" AND NOT current STREQUAL "")
            list(APPEND items_${current} "${item}")
        endif()
        set(item "")
    endmacro()
    foreach(line IN LISTS lines)
        if(line MATCHES "^## \\[([^]]+)\\]( - ([0-9-]+))?")
            end_item()
            set(current "${CMAKE_MATCH_1}")
            set(date_${current} "${CMAKE_MATCH_3}")
            set(items_${current} "")
            list(APPEND versions "${current}")
        elseif(line MATCHES "^- (.*)")
            end_item()
            set(item "${CMAKE_MATCH_1}")
        elseif(line MATCHES "^  +([^ ].*)" AND NOT item STREQUAL "")
            string(APPEND item " ${CMAKE_MATCH_1}")
        elseif(line MATCHES "^#")
            end_item()
            set(current "")
        else()
            end_item()
        endif()
    endforeach()
    end_item()

    # Unreleased becomes the entry of the project version when that has none yet.
    if("Unreleased" IN_LIST versions)
        if(NOT "${PROJECT_VERSION}" IN_LIST versions)
            string(TIMESTAMP today "%Y-%m-%d" UTC)
            set(date_${PROJECT_VERSION} "${today}")
            set(items_${PROJECT_VERSION} "${items_Unreleased}")
            list(TRANSFORM versions REPLACE "^Unreleased$" "${PROJECT_VERSION}")
        else()
            list(REMOVE_ITEM versions "Unreleased")
        endif()
    endif()
    if(NOT versions)
        message(FATAL_ERROR "CHANGELOG.md: no '## [X.Y.Z] - YYYY-MM-DD' section")
    endif()

    set(text "")
    foreach(version IN LISTS versions)
        if(NOT items_${version})
            message(FATAL_ERROR "CHANGELOG.md: section [${version}] has no '- ' bullet")
        endif()
        spdlog_coro_rfc2822_date(date "${date_${version}}")
        if(NOT text STREQUAL "")
            string(APPEND text "\n")
        endif()
        string(APPEND text "${package} (${version}-1) unstable; urgency=medium\n\n")
        foreach(entry IN LISTS items_${version})
            spdlog_coro_wrap_item(wrapped "${entry}")
            string(APPEND text "${wrapped}")
        endforeach()
        string(APPEND text "\n -- ${maintainer}  ${date}\n")
    endforeach()

    string(REPLACE "<semicolon>" ";" text "${text}")
    file(MAKE_DIRECTORY "${dir}")
    file(WRITE "${dir}/changelog.Debian" "${text}")
    configure_file("${source}" "${dir}/changelog" COPYONLY)
    foreach(file changelog.Debian changelog)
        file(REMOVE "${dir}/${file}.gz")
        execute_process(COMMAND "${SPDLOG_CORO_GZIP}" -9n "${dir}/${file}" RESULT_VARIABLE rc)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "gzip -9n ${dir}/${file}: failed (${rc})")
        endif()
    endforeach()
endfunction()
