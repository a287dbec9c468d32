# `cmake --build build --target uninstall`: removes every file and link the last
# `cmake --install build` recorded in install_manifest.txt (DESTDIR included), and the
# directories of our own that are left empty. Run `ldconfig` afterwards, as after the
# install, so the loader's cache forgets the library.
if(NOT EXISTS "${MANIFEST}")
    message(FATAL_ERROR "${MANIFEST} not found: nothing was installed from this build directory")
endif()
file(STRINGS "${MANIFEST}" files)
foreach(file ${files})
    if(EXISTS "${file}" OR IS_SYMLINK "${file}")
        message(STATUS "Removing ${file}")
        file(REMOVE "${file}")
        get_filename_component(dir "${file}" DIRECTORY)
        get_filename_component(name "${dir}" NAME)
        file(GLOB left "${dir}/*")
        if(name STREQUAL "libzmq-rs" AND NOT left)
            file(REMOVE_RECURSE "${dir}")
        endif()
    else()
        message(STATUS "Not installed: ${file}")
    endif()
endforeach()
file(REMOVE "${MANIFEST}")
