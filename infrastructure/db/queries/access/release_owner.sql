DELETE FROM app.ownership WHERE resource_kind = %(kind)s AND resource_name = %(name)s AND owner = %(owner)s;
