SELECT owner FROM app.ownership WHERE resource_kind = %(kind)s AND resource_name = %(name)s;
