//! Historical import: parsing of past readings (the plain format and the DGA MEE export), with errors by line.
