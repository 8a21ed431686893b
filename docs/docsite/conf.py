# Copyright (c) Ansible Project
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Sphinx configuration of the collection's documentation site (`make docs`, into build/docs/html).
# Made with `antsibull-docs sphinx-init --use-current --squash-hierarchy restorekit.instaclustr` (antsibull-docs 2.28),
# then: the project's names, and an offline intersphinx inventory (the build must not need the network, and -W turns
# an unreachable inventory into an error): the few targets on docs.ansible.com that the generated pages reference are
# listed below and written to a local objects.inv, so their links still go to docs.ansible.com. The RST pages come
# from `antsibull-docs collection` (see the Makefile's docs target).

import atexit
import os
import tempfile
import zlib

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# (name, domain:role, page#anchor, display name): what the generated pages link to outside this collection.
ANSIBLE_TARGETS = [
    ('common_return_values', 'std:label', 'reference_appendices/common_return_values.html#common-return-values',
     'Return Values'),
    ('ansible_configuration_settings', 'std:label', 'reference_appendices/config.html#ansible-configuration-settings',
     'Ansible Configuration Settings'),
    ('action_plugins', 'std:label', 'plugins/action.html#action-plugins', 'Action plugins'),
] + [
    # Modules of ansible.builtin named with M(...) in the collection's docs.
    ('ansible_collections.ansible.builtin.%s_module' % name, 'std:label',
     'collections/ansible/builtin/%s_module.html#ansible-collections-ansible-builtin-%s-module' % (name, name),
     'ansible.builtin.%s module' % name)
    for name in ('file', 'template')
] + [
    (name, 'std:envvar', 'reference_appendices/config.html#envvar-' + name, '-')
    for name in ('ANSIBLE_CACHE_PLUGIN', 'ANSIBLE_CACHE_PLUGIN_CONNECTION', 'ANSIBLE_CACHE_PLUGIN_PREFIX',
                 'ANSIBLE_CACHE_PLUGIN_TIMEOUT', 'ANSIBLE_INVENTORY_UNPARSED_FAILED')
]


def _offline_inventory(targets):
    """A Sphinx objects.inv (version 2) holding ``targets``, in a temporary file; returns its path."""
    lines = ''.join('%s %s -1 %s %s\n' % target for target in targets)
    header = ('# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    handle, path = tempfile.mkstemp(prefix='restorekit-ansible-', suffix='.inv')
    with os.fdopen(handle, 'wb') as inventory:
        inventory.write(header.encode('utf-8') + zlib.compress(lines.encode('utf-8')))
    atexit.register(os.remove, path)
    return path


project = 'restorekit.instaclustr'
copyright = 'restorekit maintainers'

title = 'restorekit.instaclustr Collection Documentation'
html_short_title = 'restorekit.instaclustr'

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.intersphinx', 'sphinx_antsibull_ext']

pygments_style = 'ansible'

highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False

display_version = False

html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

intersphinx_mapping = {
    'ansible_devel': (ANSIBLE_DOCS, _offline_inventory(ANSIBLE_TARGETS)),
}

default_role = 'any'

nitpicky = True
