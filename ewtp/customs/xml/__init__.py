"""China customs (GACC CEB 2022-05) messages: safe parsing, XSD validation, typed documents,
producing messages, and the XML-DSig signature."""
