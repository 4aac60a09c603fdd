"""public_api"""
