"""Renderers of the sample portal: the model (demo.model) in, page bytes out.

`demo.site.Site` dispatches requests to `lonsun.LonsunRenderer`, `trs.TrsRenderer`,
`hanweb.HanwebRenderer` or `govcn.GovcnRenderer`; `content`
writes article bodies, `files` attachment bytes, `chrome` the page boilerplate.
"""
